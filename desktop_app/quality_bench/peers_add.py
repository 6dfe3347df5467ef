"""Add the methods of a peers run (`peers --json FILE`) to the side-by-side tables saved in docs/curves.

    python -m desktop_app.quality_bench.peers_add FILE [--docs docs]

Replays are deterministic (same seeds, splits, start sets and head give the same curves), so a run of a
few methods with the same --seeds/--batch/--init/budget extends the saved tables exactly as a rerun of
every method would: the methods are added (or replaced), every summary and interval is recomputed from
the curves, and the section and plots are rendered again. A run with other parameters is refused.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop_app.quality_bench import compare, peers

SAME = ("seeds", "budget", "batch", "init")


def merge(saved: dict, new: dict) -> dict:
    """saved + new's methods (new wins on a name both have), with the summary recomputed."""
    for k in SAME:
        if saved["params"][k] != new["params"][k]:
            raise SystemExit(f"refused: {k} is {new['params'][k]} in the new run, {saved['params'][k]} in the saved one")
    keep = ("n_labeled", "macro_f1", "accuracy", "select_seconds")
    runs = dict(saved["runs"])
    for m, cs in new["runs"].items():
        runs[m] = [[{k: round(p[k], 5) for k in keep} for p in c] for c in cs]
    target = saved["summary"]["target"]
    peer_names = [m for m in runs if m.startswith("st:") and "+" not in m] or list(runs)
    summary = compare.summarise(runs, target, peer_names, saved["params"]["budget"])
    summary["full_supervision"] = saved["summary"]["full_supervision"]
    params = {**saved["params"], "minutes": saved["params"]["minutes"] + new["params"]["minutes"]}
    return {**saved, "runs": runs, "summary": summary, "params": params}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--docs", default="docs")
    args = ap.parse_args(argv)
    new = json.loads(Path(args.json).read_text())
    curves = Path(args.docs) / "curves"
    for key, res in new.items():
        path = curves / f"peers-{key}.json"
        merged = merge(json.loads(path.read_text()), res)
        path.write_text(json.dumps(merged, default=peers._plain))
    peers.render(Path(args.docs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
