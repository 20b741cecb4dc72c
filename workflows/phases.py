"""The incident-response phase model (DOMAIN D.1-D.3) as plain data and pure functions.

A case has the nine phases below, each `not_started` → `active` → `done`, or `skipped` (with a reason)
from `not_started` or `active`. Phases may overlap: the call center and PR/reporting run while the
investigation is under way. Functions here take and return plain values; the service stores them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PHASE_KEYS: tuple[str, ...] = ("intake", "initial_response", "investigation", "call_center", "pr_reporting",
                               "recovery", "recurrence_prevention", "post_incident", "closure")
STATUSES = ("not_started", "active", "done", "skipped")
ACTIONS = ("start", "complete", "skip")
ENDED = ("done", "skipped")


@dataclass(frozen=True)
class Phase:
    key: str
    title_en: str
    title_ja: str
    # Phases that must have ended (done or skipped) before this one starts.
    after: tuple[str, ...] = ()
    # Phases that must have started (active or ended) before this one starts: it runs alongside them.
    during: tuple[str, ...] = ()
    skippable: bool = True


PHASES: dict[str, Phase] = {p.key: p for p in (
    Phase("intake", "Intake", "受付", skippable=False),
    Phase("initial_response", "Initial response", "初動対応", after=("intake",)),
    Phase("investigation", "Investigation and containment", "調査・応急対応", after=("initial_response",)),
    # The call center and PR/reporting run in parallel with the investigation (D.1): they need it started only.
    Phase("call_center", "Call center", "問い合わせ対応", during=("investigation",)),
    Phase("pr_reporting", "PR and reporting", "広報・報告", during=("investigation",)),
    Phase("recovery", "Recovery", "復旧", after=("investigation",)),
    Phase("recurrence_prevention", "Recurrence prevention", "再発防止", after=("recovery",)),
    Phase("post_incident", "Post-incident", "事後対応", after=("recurrence_prevention",)),
    # Claim and closure: every other phase must be done or skipped first.
    Phase("closure", "Claim and closure", "保険金請求・クローズ",
          after=("intake", "initial_response", "investigation", "call_center", "pr_reporting", "recovery",
                 "recurrence_prevention", "post_incident"), skippable=False),
)}
assert tuple(PHASES) == PHASE_KEYS


def title(key: str, lang: str = "en") -> str:
    phase = PHASES[key]
    return phase.title_ja if lang == "ja" else phase.title_en


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


STATUS_JA = {"not_started": "未着手", "active": "対応中", "done": "完了", "skipped": "スキップ済み"}


def blockers(statuses: Mapping[str, str], key: str, action: str, *, case_closed: bool = False,
             closing_blockers: Iterable[str] = (), open_closure_tasks: Iterable[str] = (),
             lang: str = "en") -> list[str]:
    """Why the move cannot happen now (409 guard), in sentences; empty when it may.

    `statuses` maps every phase key to its status. `closing_blockers` are the outside reasons that stop a
    case from closing (open deadlines, pending cost lines, active dispatches); `open_closure_tasks` the titles
    of the closure phase's open checklist items. Both matter only when completing `closure`.
    """
    phase = PHASES[key]
    status = statuses[key]
    if lang == "ja":
        return _blockers_ja(statuses, key, action, case_closed, closing_blockers, open_closure_tasks)
    name = phase.title_en
    if case_closed:
        return ["The case is closed; its phases can no longer move."]
    if action == "start":
        if status != "not_started":
            return [f"{name} is already {status.replace('_', ' ')}."]
        out = [f"{PHASES[k].title_en} must be done or skipped first." for k in phase.after
               if statuses[k] not in ENDED]
        out += [f"{PHASES[k].title_en} must have started first (it runs during it)." for k in phase.during
                if statuses[k] == "not_started"]
        return out
    if action == "complete":
        if status != "active":
            return [f"Only an active phase can be completed; {name} is {status.replace('_', ' ')}."]
        if key == "closure":
            return [*closing_blockers, *(f"Open closure task: {t}" for t in open_closure_tasks)]
        return []
    if action == "skip":
        if not phase.skippable:
            return [f"{name} cannot be skipped."]
        if status in ENDED:
            return [f"{name} is already {status}."]
        return []
    raise ValueError(f"unknown action {action!r}")


def _blockers_ja(statuses, key, action, case_closed, closing_blockers, open_closure_tasks) -> list[str]:
    """The same guards as `blockers`, worded in Japanese for the pages."""
    phase, status = PHASES[key], statuses[key]
    name = f"「{phase.title_ja}」"
    if case_closed:
        return ["案件はクローズ済みのため、フェーズは変更できません。"]
    if action == "start":
        if status != "not_started":
            return [f"{name}はすでに{STATUS_JA[status]}です。"]
        out = [f"先に「{PHASES[k].title_ja}」を完了またはスキップしてください。" for k in phase.after
               if statuses[k] not in ENDED]
        out += [f"先に「{PHASES[k].title_ja}」を開始してください（並行して進めるフェーズです）。" for k in phase.during
                if statuses[k] == "not_started"]
        return out
    if action == "complete":
        if status != "active":
            return [f"完了できるのは対応中のフェーズだけです。{name}は{STATUS_JA[status]}です。"]
        if key == "closure":
            return [*closing_blockers, *(f"クローズのタスクが未完了：{t}" for t in open_closure_tasks)]
        return []
    if action == "skip":
        if not phase.skippable:
            return [f"{name}はスキップできません。"]
        if status in ENDED:
            return [f"{name}はすでに{STATUS_JA[status]}です。"]
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
