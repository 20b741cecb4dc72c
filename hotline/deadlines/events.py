"""How the deadlines' events read: recomputed, a report made, missed, a reminder sent."""
from __future__ import annotations

from hotline.audit.events import EventKind, changed, instant_or_text
from workflows.deadlines import label
from workflows.text import N_, Text

STATUS_WORDS = {"open": N_("open"), "met": N_("met in time"), "missed": N_("missed"),
                "not_applicable": N_("not applicable")}
RECIPIENTS = {"coordinator": N_("the coordinator"), "contact": N_("the insured's contact")}


def state(described: str | None) -> list[Text] | None:
    """A deadline row as deadlines.service.describe wrote it ("open, last day 2026-05-10, due …, met …"),
    in words."""
    if not described:
        return None
    status, *parts = [p.strip() for p in described.split(",")]
    words = [Text(STATUS_WORDS.get(status, status))]
    for part in parts:
        name, _space, value = part.partition(" ")
        if part.startswith("last day "):
            words.append(Text(N_("last day %(day)s"), day=_day(part.removeprefix("last day "))))
        elif name == "due":
            words.append(Text(N_("due %(when)s"), when=instant_or_text(value)))
        elif name == "met":
            words.append(Text(N_("made %(when)s"), when=instant_or_text(value)))
    return words  # rendered joined: "open; last day 2026-05-10 (Sun); due 2026-05-11 00:00"


def _day(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def _met(e, p):
    msgid = N_("%(deadline)s made %(when)s JST (late)") if p.get("late") else N_("%(deadline)s made %(when)s JST")
    return Text(msgid, deadline=label(e.field), when=instant_or_text(e.new))


def _reminder(e, p):
    return Text(N_("Reminder (%(offset)s before) for %(deadline)s sent to %(to)s by %(adapter)s (%(status)s)"),
                offset=p.get("offset", ""), deadline=label(e.field), to=Text(RECIPIENTS.get(e.new, e.new or "")),
                adapter=p.get("adapter", ""), status=p.get("status", ""))


KINDS = {
    "deadline_changed": EventKind(N_("Deadline changed"),
                                  lambda e, p: Text(N_("Deadline recomputed: %(deadline)s"), deadline=label(e.field)),
                                  lambda e, p: changed(label(e.field), state(e.old), state(e.new))),
    "deadline_met": EventKind(N_("Deadline met"), _met),
    "deadline_missed": EventKind(N_("Deadline missed"),
                                 lambda e, p: Text(N_("%(deadline)s was due %(when)s JST and is not met"),
                                                   deadline=label(e.field), when=p.get("due_at", ""))),
    "reminder/reminder_sent": EventKind(N_("Reminder sent"), _reminder),
}
