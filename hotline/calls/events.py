"""How calls read on a case's timeline: the call (who rang, when, who answered, how long), its end, a call-back.
Staff only: insureds' timelines leave calls out (hotline/timeline/service.py INSURED_KINDS)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text

STATUS_WORDS = {"ringing": N_("in the menu"), "connecting": N_("ringing the people on duty"),
                "answered": N_("answered"), "missed": N_("missed"), "abandoned": N_("abandoned")}


def status_word(status: str | None) -> Text | str:
    return Text(STATUS_WORDS[status]) if status in STATUS_WORDS else (status or "")


def duration(seconds: int | None) -> Text | str:
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return Text(N_("%(m)s min %(s)s s"), m=minutes, s=rest) if minutes else Text(N_("%(s)s s"), s=rest)


def _call(e, p) -> Text:
    if p.get("answerer"):
        return Text(N_("Call from %(number)s at %(at)s, answered by %(answerer)s (%(duration)s)"),
                    number=p.get("number", ""), at=p.get("at", ""), answerer=p["answerer"],
                    duration=duration(p.get("duration")))
    return Text(N_("Call from %(number)s at %(at)s: %(status)s"), number=p.get("number", ""), at=p.get("at", ""),
                status=status_word(p.get("status")))


KINDS = {
    "call_linked": EventKind(N_("Call"), _call),
    "call_ended": EventKind(N_("Call ended"), _call),
    "call_back": EventKind(N_("Called back"), lambda e, p: Text(N_("Called back %(number)s (missed call of %(at)s)"),
                                                               number=p.get("number", ""), at=p.get("at", ""))),
}
