"""Which encoder a new project gets: a bundled one by name, or the user's own ONNX model (a path), which
`--copy-encoder` copies beside the project so the project folder stays portable."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from desktop_app.core.embedding.registry import DEFAULT_FOR_KIND, OWN, encoder_kind, get_encoder
from desktop_app.errors import ShoalError


def is_model_path(encoder: str | None) -> bool:
    return bool(encoder) and (str(encoder).lower().endswith(".onnx") or os.sep in str(encoder))


def choose_encoder(encoder: str | None, kind: str):
    """(registry name, path of the user's model or None, loaded encoder), checked against the source's kind."""
    if is_model_path(encoder):
        path = Path(str(encoder)).expanduser().resolve()
        enc = get_encoder(OWN, path)
        if enc.kind != kind:
            raise ShoalError(f"{path.name} encodes {enc.kind}s (its {path.with_suffix('.json').name} says so), "
                             f"but the source holds {kind}s")
        enc.dim  # noqa: B018 - loads and checks the model now, before any file is written
        return OWN, path, enc
    name = encoder or DEFAULT_FOR_KIND[kind]
    if encoder_kind(name) != kind:
        raise ShoalError(f"encoder {name!r} reads {encoder_kind(name)} items, but the source holds {kind}s")
    return name, None, get_encoder(name)


def encoder_folder(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + "-encoder")


def copy_encoder(enc, project_path: Path) -> Path:
    """Copy the model, its sidecar and its tokenizer into NAME.shoal-encoder/ beside the project; returns
    the copied model. The folder must not exist (Shoal never writes into a folder it did not make)."""
    folder = encoder_folder(project_path)
    if folder.exists() or folder.is_symlink():
        raise ShoalError(f"{folder} already exists; remove it or pick another project name")
    spec = enc.spec
    try:
        folder.mkdir()
        model = folder / spec.model.name
        shutil.copyfile(spec.model, model)
        for rel in external_data(spec.model):  # weights stored beside the graph travel with it
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(spec.model.parent / rel, folder / rel)
        side = json.loads(spec.sidecar.read_text(encoding="utf-8"))
        if spec.tokenizer is not None:
            shutil.copyfile(spec.tokenizer, folder / spec.tokenizer.name)
        if spec.tokenizer is not None and side.get("tokenizer") != spec.tokenizer.name:
            side["tokenizer"] = spec.tokenizer.name  # it now lies beside the sidecar
            (folder / spec.sidecar.name).write_text(json.dumps(side, indent=1), encoding="utf-8")
        else:
            shutil.copyfile(spec.sidecar, folder / spec.sidecar.name)
    except OSError as e:
        remove_copy(folder)
        raise ShoalError(f"cannot copy the encoder into {folder}: {e.strerror or e}") from None
    return model


def external_data(model: Path) -> list[str]:
    """The files a model keeps its weights in (ONNX external data), relative to its folder. Needs the onnx
    package to read them; without it none are found (and a copied model missing them fails to load)."""
    try:
        import onnx
        from onnx.external_data_helper import _get_all_tensors
    except ImportError:
        return []
    try:
        graph = onnx.load(str(model), load_external_data=False)
    except Exception:  # noqa: BLE001 - onnxruntime names what is wrong with the file when it loads it
        return []
    found = set()
    for t in _get_all_tensors(graph):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            rel = next((e.value for e in t.external_data if e.key == "location"), None)
            if rel is None or Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise ShoalError(f"{model.name} keeps weights at {rel!r}, outside its folder; Shoal copies only "
                                 "files beside the model")
            found.add(rel)
    return sorted(found)


def remove_copy(folder: Path) -> None:
    """Remove a copy this run made (its files, then its folders)."""
    if folder.is_dir() and not folder.is_symlink():
        for p in sorted(folder.rglob("*"), key=lambda x: len(x.parts), reverse=True):
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir():
                p.rmdir()
        try:
            folder.rmdir()
        except OSError:
            pass
