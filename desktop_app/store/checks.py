"""What the store trusts in a row it reads back: a tampered or damaged project file must give one
clear line, never a traceback, and a damaged *derived* row (queue, head, snapshot, round stats,
a setting with a default) is dropped, so the project opens and rebuilds it.

User data (labels) is never dropped: a label row that cannot be used (a text label id, a label id
that is not in the label set, an item index out of range such as -1) is left in the file, ignored
by the model, and counted in `shoal status`."""
from __future__ import annotations

import json
import math
from typing import Any

# settings with a default: a damaged value (not JSON, wrong type, out of range) reads as the default
SETTINGS: dict[str, tuple[type, Any]] = {"strategy": (str, "seals"), "batch_size": (int, 20), "k": (int, 100),
                                         "uncertainty": (str, "margin"), "last_select_ms": (float, None)}
# values every command needs: the wrong type is damage, named in one clear line
TYPED: dict[str, type] = {"dim": int, "emb_stamp": int, "kind": str, "encoder": str, "encoder_identity": str}
# valid label rows only: what the model, the counts and the labeling state read
# (item indexes are dense 0..n-1: max(idx) is one b-tree step, count(*) a scan of 1M rows)
VALID_SKIP = "l.idx >= 0 AND l.idx <= (SELECT max(idx) FROM items)"
VALID_LABEL = "typeof(l.label_id)='integer' AND l.label_id IN (SELECT id FROM label_set) AND " + VALID_SKIP


class Damaged(ValueError):
    """A stored value that cannot be used."""


def text(value: Any) -> Any:
    """A TEXT column read back as bytes (a BLOB written where text belongs) becomes text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return value


def lenient_text(data: bytes) -> str:
    """sqlite3 text_factory: text that is not valid UTF-8 is read with replacement characters
    instead of failing the whole query ("Could not decode to UTF-8 column")."""
    return data.decode("utf-8", "replace")


def load_json(raw: Any) -> Any:
    try:
        return json.loads(text(raw))
    except (TypeError, ValueError, RecursionError):
        raise Damaged("is not valid JSON") from None


def setting(key: str, raw: Any, default: Any) -> Any:
    """A meta value; for a setting with a default, a damaged value reads as the default."""
    kind, fallback = SETTINGS.get(key, (None, None))
    try:
        value = load_json(raw)
    except Damaged:
        if kind is None:
            raise
        return fallback if default is None else default
    if kind is None:
        need = TYPED.get(key)
        if need is not None and (not isinstance(value, need) or isinstance(value, bool)):
            raise Damaged(f"holds a {type(value).__name__} where {'a number' if need is int else 'text'} belongs")
        return value
    ok = isinstance(value, kind) and not isinstance(value, bool) or (kind is float and type(value) is int)
    if ok and kind is int and value < 1:
        ok = False
    return value if ok else (fallback if default is None else default)


def queue_entry(row: tuple, n_items: int) -> dict | None:
    """A queue row as an entry, or None when it cannot be served (then it is dropped)."""
    idx, score, reason, neighbour, round_, audit, kind = row
    if type(idx) is not int or not 0 <= idx < n_items or type(round_) is not int:
        return None
    if not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    reason = text(reason)
    if not isinstance(reason, str):
        return None
    if not (type(neighbour) is int and 0 <= neighbour < n_items):
        neighbour = None
    return {"idx": idx, "score": float(score), "reason": reason, "neighbour_of": neighbour, "round": round_,
            "audit": audit == 1, "kind": kind if isinstance(kind, str) else ""}


def round_stats(raw: Any) -> dict:
    """Round statistics are derived: damaged ones read as none (the round itself still counts)."""
    try:
        stats = load_json(raw)
    except Damaged:
        return {}
    return {k: v for k, v in stats.items() if k not in ("round", "at", "n_labeled")} if isinstance(stats, dict) else {}
