"""Response-time metrics computed from a case's timeline (audit events) and its instants.

Definitions (all measured from the insured's first discovery, `first_discovered_at`):
- hotline_call: the hotline was told (`reported_at`, the notice to the insurer).
- containment: the investigation's `containment` task was done, or the investigation phase was completed,
  whichever came first.
- phase:<key>: the phase started (a `phase_started` event whose field is the phase key); intake starts
  with the hotline call.
Across cases: the median and the 90th percentile (nearest-rank: the smallest value with at least 90% of
the values at or below it) of each metric over the cases that reached it.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflows.phases import PHASE_KEYS

METRIC_KEYS: tuple[str, ...] = ("hotline_call", "containment", *(f"phase:{k}" for k in PHASE_KEYS))


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str
    field: str | None = None


def _get(obj: Any, name: str):
    return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)


def case_metrics(events: Iterable[Any], *, discovered_at: dt.datetime,
                 reported_at: dt.datetime) -> dict[str, dt.timedelta | None]:
    """Time from discovery to each milestone; None for a milestone the case has not reached."""
    reached: dict[str, dt.datetime] = {"hotline_call": reported_at, "phase:intake": reported_at}

    def first(key: str, at: dt.datetime) -> None:
        if key not in reached or at < reached[key]:
            reached[key] = at

    for e in events:
        kind, field, at = _get(e, "kind"), _get(e, "field"), _get(e, "at")
        if kind == "phase_started" and field in PHASE_KEYS and field != "intake":
            first(f"phase:{field}", at)
        elif (kind == "task_done" and field == "containment") or (
                kind == "phase_completed" and field == "investigation"):
            first("containment", at)
    return {k: (reached[k] - discovered_at if k in reached else None) for k in METRIC_KEYS}


def nearest_rank(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarise(per_case: Iterable[Mapping[str, dt.timedelta | None]]) -> dict[str, dict]:
    """{metric: {"n", "median", "p90"}} in hours (floats); median/p90 None when no case reached it."""
    rows = list(per_case)
    out: dict[str, dict] = {}
    for key in METRIC_KEYS:
        hours = [m[key].total_seconds() / 3600 for m in rows if m.get(key) is not None]
        out[key] = {"n": len(hours), "median": statistics.median(hours) if hours else None,
                    "p90": nearest_rank(hours, 90) if hours else None}
    return out
