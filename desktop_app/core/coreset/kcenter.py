"""kcenter: greedy k-center on the embeddings (Sener & Savarese), per class so no class vanishes. Starts
from the item nearest the class centre, then adds the item farthest from everything kept so far:
the kept items cover the class with the smallest radius. O(n x kept) dot products per class."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas


def kcenter(inp: CoresetInput) -> Kept:
    X = np.asarray(inp.X, np.float32)
    positions, scores, reasons = [], [], []
    groups = quotas(inp.y, inp.n_keep, inp.stratify)
    done, total = 0, sum(k for _, k in groups)
    for group, k in groups:
        inp.check_cancel()
        v = X[group]
        centre = v.mean(axis=0)
        first = int(np.argmax(v @ centre))
        mind = (1.0 - v @ v[first]).astype(np.float32)
        mind[first] = -np.inf
        chosen, radius = [first], [float("inf")]
        while len(chosen) < k:
            nxt = int(np.argmax(mind))
            chosen.append(nxt)
            radius.append(float(mind[nxt]))
            mind = np.minimum(mind, 1.0 - v @ v[nxt])
            mind[nxt] = -np.inf
            if len(chosen) % 256 == 0:
                inp.check_cancel()
                inp.report(done + len(chosen), total)
        done += len(chosen)
        label = inp.name(inp.y[group[0]])
        positions.append(group[chosen])
        scores.append(np.array([2.0 if not np.isfinite(r) else r for r in radius], np.float32))
        reasons += [f"centre of {label!r}" if not np.isfinite(r) else
                    f"covers a region of {label!r} (k-center, {r:.3f} from the nearest kept item)" for r in radius]
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    sc = np.concatenate(scores) if scores else np.empty(0, np.float32)
    return Kept(pos, sc, reasons)
