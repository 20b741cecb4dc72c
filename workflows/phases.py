"""The incident-response phase model (DOMAIN D.1-D.3) as plain data and pure functions.

A case has the nine phases below, each `not_started` → `active` → `done`, or `skipped` (with a reason)
from `not_started` or `active`. Phases may overlap: the call center and PR/reporting run while the
investigation is under way. Functions here take and return plain values; the service stores them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workflows.text import N_, Text

PHASE_KEYS: tuple[str, ...] = ("intake", "initial_response", "investigation", "call_center", "pr_reporting",
                               "recovery", "recurrence_prevention", "post_incident", "closure")
STATUSES = ("not_started", "active", "done", "skipped")
ACTIONS = ("start", "complete", "skip")
ENDED = ("done", "skipped")


@dataclass(frozen=True)
class Phase:
    key: str
    title: str  # English msgid; rendered in the reader's language
    # Phases that must have ended (done or skipped) before this one starts.
    after: tuple[str, ...] = ()
    # Phases that must have started (active or ended) before this one starts: it runs alongside them.
    during: tuple[str, ...] = ()
    skippable: bool = True
    # The vendor capabilities (vendors/capabilities.py codes) its work usually calls for, most urgent first:
    # the case page proposes the best-ranked vendor of each while the phase is active.
    capabilities: tuple[str, ...] = ()


PHASES: dict[str, Phase] = {p.key: p for p in (
    Phase("intake", N_("Intake"), skippable=False),
    # The first hours (D.1 初動対応): someone to find out what happened and stop it spreading.
    Phase("initial_response", N_("Initial response"), after=("intake",),
          capabilities=("forensics", "emergency_response")),
    Phase("investigation", N_("Investigation and containment"), after=("initial_response",),
          capabilities=("forensics", "emergency_response")),
    # The call center and PR/reporting run in parallel with the investigation (D.1): they need it started only.
    Phase("call_center", N_("Call center"), during=("investigation",), capabilities=("call_center",)),
    Phase("pr_reporting", N_("PR and reporting"), during=("investigation",), capabilities=("legal", "pr")),
    Phase("recovery", N_("Recovery"), after=("investigation",), capabilities=("data_recovery",)),
    Phase("recurrence_prevention", N_("Recurrence prevention"), after=("recovery",)),
    Phase("post_incident", N_("Post-incident"), after=("recurrence_prevention",), capabilities=("trust_recovery",)),
    # Claim and closure: every other phase must be done or skipped first.
    Phase("closure", N_("Claim and closure"),
          after=("intake", "initial_response", "investigation", "call_center", "pr_reporting", "recovery",
                 "recurrence_prevention", "post_incident"), skippable=False),
)}
assert tuple(PHASES) == PHASE_KEYS

STATUS_WORDS = {"not_started": N_("not started"), "active": N_("active"), "done": N_("done"),
                "skipped": N_("skipped")}


def title(key: str) -> Text:
    """The phase's title, to render in the reader's language (an unknown key reads as itself)."""
    phase = PHASES.get(key)
    return Text(phase.title) if phase is not None else Text(key)


def validate_move(key: str, action: str, reason: str | None) -> dict[str, str]:
    """Input errors (422), as {field: why}; an empty dict when the request is well formed."""
    fields: dict[str, str] = {}
    if key not in PHASES:
        fields["key"] = f"unknown phase; one of {', '.join(PHASE_KEYS)}"
    if action not in ACTIONS:
        fields["action"] = "one of start, complete, skip"
    if action == "skip" and not (reason or "").strip():
        fields["reason"] = "a reason is required to skip a phase"
    return fields


def blockers(statuses: Mapping[str, str], key: str, action: str, *, case_closed: bool = False,
             closing_blockers: Iterable[Text] = (), open_closure_tasks: Iterable = ()) -> list[Text]:
    """Why the move cannot happen now (409 guard), as Texts to render in the reader's language; empty when it
    may.

    `statuses` maps every phase key to its status. `closing_blockers` are the outside reasons that stop a
    case from closing (open deadlines, pending cost lines, active dispatches); `open_closure_tasks` the titles
    of the closure phase's open checklist items. Both matter only when completing `closure`.
    """
    phase = PHASES[key]
    status = statuses[key]
    name = title(key)
    if case_closed:
        return [Text(N_("The case is closed; its phases can no longer move."))]
    if action == "start":
        if status != "not_started":
            return [Text(N_("%(phase)s is already %(status)s."), phase=name, status=Text(STATUS_WORDS[status]))]
        out = [Text(N_("%(phase)s must be done or skipped first."), phase=title(k)) for k in phase.after
               if statuses[k] not in ENDED]
        out += [Text(N_("%(phase)s must have started first (it runs during it)."), phase=title(k))
                for k in phase.during if statuses[k] == "not_started"]
        return out
    if action == "complete":
        if status != "active":
            return [Text(N_("Only an active phase can be completed; %(phase)s is %(status)s."), phase=name,
                         status=Text(STATUS_WORDS[status]))]
        if key == "closure":
            return [*closing_blockers, *(Text(N_("Open closure task: %(task)s"), task=t) for t in open_closure_tasks)]
        return []
    if action == "skip":
        if not phase.skippable:
            return [Text(N_("%(phase)s cannot be skipped."), phase=name)]
        if status in ENDED:
            return [Text(N_("%(phase)s is already %(status)s."), phase=name, status=Text(STATUS_WORDS[status]))]
        return []
    raise ValueError(f"unknown action {action!r}")


def next_status(action: str) -> str:
    return {"start": "active", "complete": "done", "skip": "skipped"}[action]


def current_phase(statuses: Mapping[str, str]) -> str:
    """The value of Case.phase: the furthest phase (in PHASE_KEYS order) that is active.

    With nothing active, the furthest phase that has ended (a case between phases stays where it got to);
    "intake" when nothing has moved at all.
    """
    for wanted in (("active",), ENDED):
        for key in reversed(PHASE_KEYS):
            if statuses.get(key) in wanted:
                return key
    return "intake"


def initial_statuses() -> dict[str, str]:
    """A new case: intake is active (the call is being taken), everything else not started."""
    return {k: ("active" if k == "intake" else "not_started") for k in PHASE_KEYS}


def startable(statuses: Mapping[str, str]) -> list[str]:
    """Phases that may be started now (for buttons and hints)."""
    return [k for k in PHASE_KEYS if not blockers(statuses, k, "start")]


def successor(statuses: Mapping[str, str], key: str) -> str | None:
    """Where the open tasks of `key` go when it ends without them: the first phase that waits for it and has
    not ended (intake → initial response, investigation → recovery), else closure while it has not ended; None
    for closure itself (it cannot end with open tasks)."""
    if key == "closure":
        return None
    for k in PHASE_KEYS:
        if key in PHASES[k].after and statuses.get(k) not in ENDED:
            return k
    return "closure" if statuses.get("closure") not in ENDED else None


def needed_capabilities(statuses: Mapping[str, str], *, eu_data_subjects: bool = False) -> list[str]:
    """The capabilities the active phases call for, in phase order, each once (GDPR support when EU data
    subjects are affected and PR and reporting is active)."""
    out: list[str] = []
    for key in PHASE_KEYS:
        if statuses.get(key) == "active":
            extra = ("gdpr",) if key == "pr_reporting" and eu_data_subjects else ()
            out += [c for c in (*PHASES[key].capabilities, *extra) if c not in out]
    return out
