"""Active search for a rare class ("find more like this"): rank candidates by the head's probability
of the positive class (ctx.positive). Candidates are the SEALS pool plus representatives of regions
with no label yet, so positives in clusters far from every label can still be reached. Before the
head can be trained, rank by cosine similarity to the labeled positives.

A query (a phrase, or an example image, embedded with the project's encoder: ctx.query) seeds the
search: while no positive is labeled the whole batch is the items nearest the query (from the kNN
index); after that a share of each batch still comes from them until QUERY_UNTIL positives are labeled,
the rest is ranked as above, and the query counts as one more positive where similarity ranks."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED, Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start
from desktop_app.core.selection.seals import seals_candidates

# measured on the development set (docs/benchmarks.md, "rare"; python -m desktop_app.quality_bench.query)
QUERY_UNTIL = 10     # the query's neighbours keep contributing until this many positives are labeled
QUERY_SHARE = 0.5    # their share of a batch once a positive is labeled (all of it before)
FUSE = False         # rank by the head's probability and by similarity to the positives together (measured)


def _candidates(ctx: SelectionContext, n: int) -> np.ndarray:
    cand = seals_candidates(ctx, n) if ctx.pool is not None else ctx.sample_unlabeled()
    if ctx.anchors is not None and len(ctx.anchors):
        cand = np.union1d(cand, ctx.anchors)
    if ctx.query_near is not None and len(ctx.query_near):
        cand = np.union1d(cand, ctx.query_near[ctx.state[ctx.query_near] == UNLABELED])
    return cand


def query_picks(ctx: SelectionContext, n: int, n_positives: int, share: float | None = None,
                until: int | None = None) -> list[Pick]:
    """The unlabeled items nearest the query: all n while no positive is labeled, `share` of n until
    `until` positives are, none after (defaults: QUERY_SHARE, QUERY_UNTIL)."""
    share = QUERY_SHARE if share is None else share
    until = QUERY_UNTIL if until is None else until
    if ctx.query_near is None or ctx.query_sims is None or n_positives >= until:
        return []
    take = n if n_positives == 0 else int(round(share * n))
    free = ctx.state[ctx.query_near] == UNLABELED
    near, sims = ctx.query_near[free][:take], ctx.query_sims[free][:take]
    return [Pick(int(i), float(s), f"near your query (cos {s:.2f})", kind="query") for i, s in zip(near, sims)]


def search(ctx: SelectionContext, n: int, share: float | None = None, until: int | None = None) -> list[Pick]:
    pos = ctx.positive
    if pos is None:
        from desktop_app.errors import ShoalError

        raise ShoalError("search needs a positive label: switch a label to search mode (--positive)")
    labeled = ctx.labeled
    positives = labeled[ctx.state[labeled] == pos]
    first = query_picks(ctx, n, len(positives), share, until)
    rest = _ranked(ctx, n - len(first), positives, exclude=[p.idx for p in first]) if len(first) < n else []
    return first + rest


def _ranked(ctx: SelectionContext, n: int, positives: np.ndarray, exclude: list[int]) -> list[Pick]:
    pos = ctx.positive
    cand = _candidates(ctx, n + len(exclude))
    if exclude:
        cand = cand[~np.isin(cand, exclude)]
    if len(cand) == 0:
        return []
    if ctx.has_model and ctx.predict_proba is not None and pos in ctx.classes:
        scores = ctx.predict_proba(cand)[:, list(ctx.classes).index(pos)]
        why = "likely positive (p={:.2f})"
        if FUSE and len(positives):  # reciprocal-rank fusion with the nearest labeled positive
            sims = (np.asarray(ctx.embeddings[cand], np.float32) @ _refs(ctx, positives).T).max(axis=1)
            fused = _rrf(scores) + _rrf(sims)
            top = np.argsort(-fused, kind="stable")[:n]
            return [Pick(int(cand[t]), float(scores[t]), why.format(scores[t]), ctx.pool_source.get(int(cand[t])),
                         kind="search") for t in top]
    elif len(positives) or ctx.query is not None:
        scores = (np.asarray(ctx.embeddings[cand], np.float32) @ _refs(ctx, positives).T).max(axis=1)
        why = "similar to a positive (cos {:.2f})" if len(positives) else "near your query (cos {:.2f})"
    else:
        picks = cold_start(ctx, n + len(exclude))
        return [p for p in picks if p.idx not in set(exclude)][:n]
    top = np.argsort(-scores, kind="stable")[:n]
    return [Pick(int(cand[t]), float(scores[t]), why.format(scores[t]), ctx.pool_source.get(int(cand[t])),
                 kind="search") for t in top]


def _refs(ctx: SelectionContext, positives: np.ndarray) -> np.ndarray:
    """The labeled positives' vectors; the query counts as one more positive."""
    refs = np.asarray(ctx.embeddings[positives], np.float32).reshape(len(positives), -1)
    if ctx.query is not None:
        refs = np.vstack([refs, np.asarray(ctx.query, np.float32)[None, :]])
    return refs


def _rrf(scores: np.ndarray, k: float = 60.0) -> np.ndarray:
    ranks = np.empty(len(scores), np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(len(scores))
    return 1.0 / (k + ranks)
