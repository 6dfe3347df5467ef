"""What `shoal status` reports: counts, skipped items, label counts, rounds, model state, signals."""
from __future__ import annotations

from desktop_app.core import stopping
from desktop_app.ops.derived import load_head, problems
from desktop_app.ops.search_query import search_status
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
        "estimate_needs": None if last.get("estimate") else estimate_needs(project),
        "signals": {"picked_cv_accuracy": last.get("cv_accuracy"),
                    "picked_cv_interval": [last.get("cv_low"), last.get("cv_high")],
                    "picked_cv_note": PICKED_CV_NOTE,
                    "changed_fraction": last.get("changed_fraction"), "positives": last.get("positives"),
                    "recommendation": stopping.recommendation(rounds)},
        "problems": problems(project),
        "search": search_status(project),
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


def estimate_needs(project: Project) -> str:
    """Why there is no accuracy estimate yet, in words (status and the GUI say the same)."""
    from desktop_app.core.estimate import MIN_ANSWERS
    from desktop_app.ops.loop import audit_share

    share = audit_share(project)
    if share <= 0:
        return "audit picks are off (shoal settings PROJECT --audit-share 0.1 turns them on)"
    have = sum(1 for a in project.answered_asks() if a[2])
    if have >= MIN_ANSWERS:
        return f"{have} audit items answered, the estimate comes with the next round (`shoal next`)"
    return (f"it needs {MIN_ANSWERS} answered audit items, {have} so far; audit items are {share:.0%} of each batch "
            "once a model is trained")
