"""How an event kind reads. Each domain describes its own kinds in its `events.py` (KINDS: kind → EventKind),
next to the code that records them; hotline/timeline/render.py imports them all and renders a row in the
reader's language from what the row stores (kind, field, old, new, params)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflows.text import N_, Text

NOTHING = "—"  # an empty old or new value


@dataclass(frozen=True)
class EventKind:
    label: str  # msgid of the badge, e.g. "Cost recorded"
    summary: Callable[[Any, dict], Text | str]  # (event row, its decoded params) → what happened
    change: Callable[[Any, dict], Text | None] | None = None  # field, old → new in words, when it says more


def changed(field: Text | str, old: Any, new: Any) -> Text:
    """'受付：対応中 → 完了', 'Amount: — → ¥2,000,000'."""
    return Text(N_("%(field)s: %(old)s → %(new)s"), field=field, old=NOTHING if old is None else old,
                new=NOTHING if new is None else new)


def instant_or_text(value: str | None) -> dt.datetime | str | None:
    """An old/new column holding an ISO instant, as an instant (shown in the reader's format)."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed if parsed.tzinfo is not None else value


def day_or_text(value: str | None) -> dt.date | str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def yen_or_text(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return f"¥{int(value):,}"
    except ValueError:
        return value


def word(words: dict[str, str], value: str | None) -> Text | str | None:
    """A stored code (a status, a role) as its word; an unknown one as itself."""
    if value is None:
        return None
    return Text(words[value]) if value in words else value


def merge(*groups: dict[str, EventKind]) -> dict[str, EventKind]:
    out: dict[str, EventKind] = {}
    for group in groups:
        twice = set(out) & set(group)
        if twice:
            raise ValueError(f"event kinds described twice: {sorted(twice)}")
        out.update(group)
    return out
