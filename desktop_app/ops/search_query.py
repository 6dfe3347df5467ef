"""Seeding "find more of LABEL" with a query: a phrase (text projects) or an example image file from
anywhere (image projects), embedded with the project's own encoder (bundled or the user's ONNX model).
Its vector is stored in the project (store/search_query.py); the session serves the items nearest it,
from the kNN index, as the first candidates of search mode (core/selection/search.py).

The example image is only read, never copied or written; the project keeps its path and its vector."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.errors import ItemError, ShoalError
from desktop_app.store.project import Project

MAX_QUERY_CHARS = 2000


def embed_query(project: Project, text: str | None = None, image: str | Path | None = None) -> tuple[str, str, np.ndarray]:
    """(kind, the query as shown, unit vector), or one clear ShoalError: empty query, the wrong kind for the
    project, no embeddings yet, no encoder (imported vectors), an unreadable or non-image file."""
    from desktop_app.ops.embed import check_encoder

    if (text is None) == (image is None):
        raise ShoalError("give one query: a phrase (--query) or an example image (--query-image)")
    kind = project.meta("kind")
    if text is not None:
        text = " ".join(str(text).split())
        if not text:
            raise ShoalError("the query is empty: describe what you are looking for in a few words")
        if len(text) > MAX_QUERY_CHARS:
            raise ShoalError(f"the query is {len(text)} characters long; keep it under {MAX_QUERY_CHARS}")
        if kind == "image":
            raise ShoalError("this project holds images: seed the search with an example image (--query-image PATH)")
    elif kind != "image":
        raise ShoalError("this project holds texts: seed the search with a phrase (--query \"...\")")
    if project.counts()["n_embedded"] == 0:
        raise ShoalError(f"no item is embedded yet, so nothing can be near a query; run: shoal embed {project.path}")
    enc = check_encoder(project)
    if enc is None:
        raise ShoalError(f"the vectors of {project.path.name} were imported ({project.meta('encoder_identity')}): "
                         "Shoal has no encoder to embed a query with; search by labeling a first positive instead")
    if text is not None:
        payload, shown = text, text
    else:
        path = Path(str(image)).expanduser()
        shown = str(path)
        if not path.is_file():
            raise ShoalError(f"cannot use {shown} as an example image: "
                             f"{'it is a folder' if path.is_dir() else 'no such file'}")
        payload = str(path.resolve())
    try:
        vec = enc.encode([enc.prepare(payload)])
    except ItemError as e:
        raise ShoalError(f"cannot use {shown} as an example image: {e}") from None
    vec = np.asarray(vec, np.float32).reshape(-1)
    if vec.shape[0] != int(project.meta("dim", vec.shape[0])) or not np.isfinite(vec).all() or not vec.any():
        raise ShoalError(f"the encoder gave no usable vector for {shown!r}")
    return ("text" if text is not None else "image"), shown, vec / float(np.linalg.norm(vec))


def set_search(project: Project, label: str | None, text: str | None = None, image: str | Path | None = None) -> dict | None:
    """Search mode for `label` (None: learn mode), seeded by a query when one is given; a new call replaces
    or clears the stored query. Returns the stored query (without its vector) or None."""
    if label is None and (text is not None or image is not None):
        raise ShoalError("a query seeds search mode: shoal mode PROJECT LABEL search --query \"...\"")
    if label is not None:
        project.label_id(label)  # an unknown label: one clear line, before the encoder is loaded
    query = embed_query(project, text, image) if (text is not None or image is not None) else None
    return store_search(project, label, query)


def store_search(project: Project, label: str | None, query: tuple[str, str, np.ndarray] | None = None) -> dict | None:
    """Put `label` in search mode (None: learn mode) with `query` (embed_query's result) or none, in one
    transaction (the GUI embeds off its thread, then stores with this)."""
    from desktop_app.ops.loop import set_search_label

    target = project.label_id(label) if label is not None else None
    with project.tx():
        set_search_label(project, label)   # clears the query an earlier call stored
        if query is not None and target is not None:
            kind, shown, vec = query
            project.set_search_query(target, kind, shown, str(project.meta("encoder_identity")), vec)
    return describe_query(project)


def describe_query(project: Project) -> dict | None:
    q = project.search_query()
    if q is None:
        return None
    return {"label": q["label"], "kind": q["kind"], "query": q["query"], "usable": query_vector(project) is not None}


def query_vector(project: Project) -> np.ndarray | None:
    """The stored query's vector when it was made by the project's current encoder (a re-embed with another
    model leaves it unusable: `mode` again makes a new one)."""
    q = project.search_query()
    if q is None or q["encoder"] != project.meta("encoder_identity") or len(q["vector"]) != int(project.meta("dim", 0) or 0):
        return None
    return q["vector"]


def search_status(project: Project) -> dict:
    """What `shoal status` says about the mode: the label in search mode (or None) and its query."""
    from desktop_app.ops.loop import search_label_id

    lid = search_label_id(project)
    name = next((l["name"] for l in project.label_set() if l["id"] == lid), None)
    return {"label": name, "query": describe_query(project)}


def sync_session(project: Project, session) -> None:
    """The session's search label and query as the project now stores them (the query's neighbours are
    looked up again only when the query changed)."""
    from desktop_app.ops.loop import search_label_id

    session.positive = search_label_id(project)
    vec = query_vector(project)
    old = session.query
    if (vec is None) != (old is None) or (vec is not None and not np.allclose(vec / np.linalg.norm(vec), old)):
        session.set_query(vec)
