"""How the response workflow's events read: phases moved, tasks added and done, overdue tasks reminded."""
from __future__ import annotations

from hotline.audit.events import EventKind, changed, word
from workflows.phases import STATUS_WORDS, title
from workflows.tasks import task_title
from workflows.text import N_, Text

TASK_STATUS = {"open": N_("not done yet"), "done": N_("done")}
CASE_STATUS = {"open": N_("open"), "closed": N_("closed")}
REMINDED = {"owner": N_("Overdue task reminder sent to the task's owner: %(task)s"),
            "coordinator": N_("Overdue task reminder sent to the coordinator: %(task)s")}


def _task(e, p):
    template = e.field if e.field not in (None, "task") else None
    return task_title(p.get("phase", ""), template, p.get("title", ""))


def _phase_change(e, p):
    return changed(title(e.field), word(STATUS_WORDS, e.old), word(STATUS_WORDS, e.new))


def _skipped(e, p):
    return Text(N_("Phase skipped: %(phase)s (%(reason)s)"), phase=title(e.field), reason=p.get("reason", ""))


def _added(e, p):
    if p.get("due_at"):
        return Text(N_("Task added to %(phase)s: %(task)s (due %(when)s JST)"), phase=title(p.get("phase", "")),
                    task=p.get("title", ""), when=p["due_at"])
    return Text(N_("Task added to %(phase)s: %(task)s"), phase=title(p.get("phase", "")), task=p.get("title", ""))


def _reminded(e, p):
    if e.new in REMINDED:
        return Text(REMINDED[e.new], task=_task(e, p))
    if p.get("sent"):  # a reminder recorded before the recipient's role was (migration 0009)
        return Text(N_("Overdue task reminder sent: %(task)s"), task=_task(e, p))
    return Text(N_("Overdue task, nobody to remind (no owner or coordinator): %(task)s"), task=_task(e, p))


KINDS = {
    "phase_started": EventKind(N_("Phase started"), lambda e, p: Text(N_("Phase started: %(phase)s"), phase=title(e.field)),
                               _phase_change),
    "phase_completed": EventKind(N_("Phase completed"),
                                 lambda e, p: Text(N_("Phase completed: %(phase)s"), phase=title(e.field)),
                                 _phase_change),
    "phase_skipped": EventKind(N_("Phase skipped"), _skipped, _phase_change),
    "case_closed": EventKind(N_("Case closed"), lambda e, p: Text(N_("Case closed")),
                             lambda e, p: changed(Text(N_("Status")), word(CASE_STATUS, e.old), word(CASE_STATUS, e.new))),
    "case_reopened": EventKind(N_("Case reopened"),
                               lambda e, p: Text(N_("Case reopened: %(reason)s"), reason=p.get("reason", "")),
                               lambda e, p: changed(Text(N_("Status")), word(CASE_STATUS, e.old),
                                                    word(CASE_STATUS, e.new))),
    "task_added": EventKind(N_("Task added"), _added),
    "task_carried": EventKind(N_("Task carried over"), lambda e, p: Text(
        N_("Task carried from %(phase)s to %(to)s (not done when the phase ended): %(task)s"),
        phase=title(p.get("phase", "")), to=title(p.get("to", "")), task=_task(e, p))),
    "task_done": EventKind(N_("Task done"), lambda e, p: Text(N_("Task done: %(task)s"), task=_task(e, p))),
    "case_task/reminder_sent": EventKind(N_("Reminder sent"), _reminded),
}
