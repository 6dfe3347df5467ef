"""What `shoal status` reports: counts, skipped items, label counts, rounds, model state, signals."""
from __future__ import annotations

from desktop_app.core import stopping
from desktop_app.ops.derived import load_head, problems
from desktop_app.store.project import Project

PICKED_CV_NOTE = ("cross-validated accuracy on the items Shoal picked because they were hard: a lower bound, "
                  "not the accuracy on the rest; see `estimate` for that")


def status(project: Project, max_skipped: int = 1000) -> dict:
    counts = project.counts()
    _, _, skipped_by_user = project.current_labels()
    rounds = project.rounds()
    last = rounds[-1] if rounds else {}
    head = load_head(project)
    out = {
        "project": str(project.path), "kind": project.meta("kind"), "source": project.meta("source"),
        "encoder": project.meta("encoder"), "encoder_identity": project.meta("encoder_identity"),
        **counts,
        "n_labeled": project.n_labeled(), "n_skipped_by_user": int(len(skipped_by_user)),
        "skipped": project.skipped_items(max_skipped),
        "labels": project.label_counts(),
        "label_set": [l["name"] for l in project.label_set()],
        "rounds": len(rounds),
        "pool_size": last.get("pool_size", 0),
        "model": {"trained": head.is_fitted, "classes": len(head.classes_),
                  "fit_ms": last.get("fit_ms")},
        "settings": {k: project.meta(k) for k in ("strategy", "batch_size", "k", "uncertainty")},
        "estimate": last.get("estimate"),
        "signals": {"picked_cv_accuracy": last.get("cv_accuracy"),
                    "picked_cv_interval": [last.get("cv_low"), last.get("cv_high")],
                    "picked_cv_note": PICKED_CV_NOTE,
                    "changed_fraction": last.get("changed_fraction"), "positives": last.get("positives"),
                    "recommendation": stopping.recommendation(rounds)},
        "problems": problems(project),
    }
    merged = project.merged()
    out["merged"] = {"copies": sum(m["copies"] for m in merged),
                     "items": [{"id": m["uid"], "copies": m["copies"], "paths": m["paths"]} for m in merged[:max_skipped]]}
    trained = project.meta("model")  # what `shoal train` stored (ops.train)
    if isinstance(trained, dict):
        out["trained_model"] = {k: trained.get(k) for k in ("head", "classes", "n_labeled", "oof", "trained_at")}
    review = project.review_items(max_skipped)
    out["review"] = {"count": project.n_review(),
                     "items": [{"id": r["id"], "path": r["path"], "reason": r["reason"]} for r in review]}
    return out
