"""Moving a case through its phases, and its task checklist. Rules live in workflows/phases.py.

Every change records an audit event with the case id (the timeline): phase events carry the phase key in
`field` and the statuses in `old`/`new`; task events carry the template key (or "task") in `field`.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hotline.audit.service import event_row, record
from hotline.auth.models import User
from hotline.cases.models import Case
from hotline.costs.service import pending_line_summaries
from hotline.db import claim, lock_due, utcnow
from hotline.deadlines.service import open_deadline_summaries
from hotline.dispatch.service import active_dispatch_summaries
from hotline.errors import Blocked, Conflict, Invalid, NotFound
from hotline.i18n import DEFAULT_MESSAGE_LANGUAGE, render
from hotline.outbox.service import send
from hotline.phases.models import CasePhase, CaseTask
from vendors.notifier import Notifier
from workflows import phases as rules
from workflows.tasks import checklist
from workflows.text import N_, Text

CANNOT = {"start": N_("Cannot start %(phase)s: %(blockers)s"), "complete": N_("Cannot complete %(phase)s: %(blockers)s"),
          "skip": N_("Cannot skip %(phase)s: %(blockers)s")}
CLOSED = Text(N_("the case is closed"))

# What stops a case from closing, owned by other domains: guard(session, case_id) -> [Text], rendered in the
# reader's language (the API: English).
# Imported, so a guard that cannot load stops the app at start-up instead of letting a case close without it.
CLOSING_GUARDS = (open_deadline_summaries, pending_line_summaries, active_dispatch_summaries)


def _facts(case: Case) -> dict:
    return {"eu_data_subjects": case.eu_data_subjects, "personal_records_affected": case.personal_records_affected,
            "card_data": case.card_data}


def _generate_tasks(session: Session, case: Case, key: str, started_at: dt.datetime) -> list[CaseTask]:
    tasks = [CaseTask(case_id=case.id, phase_key=key, **item) for item in checklist(key, _facts(case), started_at)]
    session.add_all(tasks)
    return tasks


def initial_rows(case: Case) -> tuple[list[dict], list[dict]]:
    """The nine phase rows of a new case (intake active from the hotline call) and intake's checklist, as rows
    without their case_id: intake writes them with the case."""
    start = case.reported_at or case.created_at or utcnow()
    phase_rows = [{"key": key, "position": position, "status": status,
                   "started_at": start if status == "active" else None}
                  for position, (key, status) in enumerate(rules.initial_statuses().items())]
    return phase_rows, [{"phase_key": "intake", **item} for item in checklist("intake", _facts(case), start)]


def initialise_case_workflow(session: Session, case: Case) -> None:
    """Create the phase rows and intake checklist of a case that has none (`initial_rows`): for cases of older
    databases (the backfill). Does not commit."""
    phase_rows, task_rows = initial_rows(case)
    session.execute(sa.insert(CasePhase.__table__), [{"case_id": case.id, **r} for r in phase_rows])
    if task_rows:
        session.execute(sa.insert(CaseTask.__table__), [{"case_id": case.id, **r} for r in task_rows])


def phases_of(session: Session, case_id: int) -> list[CasePhase]:
    return list(session.exec(select(CasePhase).where(CasePhase.case_id == case_id).order_by(CasePhase.position)))


def case_tasks(session: Session, case_id: int) -> list[CaseTask]:
    return list(session.exec(select(CaseTask).where(CaseTask.case_id == case_id)
                             .order_by(CaseTask.due_at.is_(None), CaseTask.due_at, CaseTask.id)))


def phases_with_tasks(session: Session, case: Case) -> list[tuple[CasePhase, list[CaseTask]]]:
    rows = phases_of(session, case.id)
    tasks = case_tasks(session, case.id)
    return [(p, [t for t in tasks if t.phase_key == p.key]) for p in rows]


def closing_blockers(session: Session, case_id: int) -> list[Text]:
    """Open deadlines, pending cost lines and active dispatches, from the domains that own them."""
    return [blocker for guard in CLOSING_GUARDS for blocker in guard(session, case_id)]


def move_phase(session: Session, case: Case, key: str, action: str, *, reason: str | None = None,
               actor=None, now: dt.datetime | None = None) -> list[CasePhase]:
    """Start, complete or skip a phase; commits. Invalid for bad input, Blocked with the blockers (Texts: the
    API answers in English, the pages in the reader's language)."""
    fields = rules.validate_move(key, action, reason)
    if fields:
        raise Invalid(fields)
    now = now or utcnow()
    # Re-read the rows locked (PostgreSQL): two people pressing the same button move the phase once.
    rows = list(session.exec(select(CasePhase).where(CasePhase.case_id == case.id).order_by(CasePhase.position)
                             .with_for_update().execution_options(populate_existing=True)))
    by_key = {p.key: p for p in rows}
    statuses = {p.key: p.status for p in rows}
    outside: list[Text] = []
    open_closure: list = []
    if key == "closure" and action == "complete" and case.status != "closed":
        outside = closing_blockers(session, case.id)
        open_closure = [t.label for t in case_tasks(session, case.id) if t.phase_key == "closure" and t.status == "open"]
    blocked = rules.blockers(statuses, key, action, case_closed=case.status == "closed",
                             closing_blockers=outside, open_closure_tasks=open_closure)
    if blocked:
        raise Blocked(Text(CANNOT[action], phase=rules.title(key), blockers=blocked), blockers=blocked)

    _apply(session, case, by_key, statuses, key, action, reason=reason, actor=actor, now=now)
    try:
        session.commit()
    except IntegrityError:  # the same phase was started at the same moment (its checklist exists)
        session.rollback()
        raise Blocked(Text(N_("The phase was changed by someone else at the same moment; reload and try again.")),
                      blockers=[Text(N_("changed at the same moment"))]) from None
    return rows


def _apply(session: Session, case: Case, by_key: dict[str, CasePhase], statuses: dict[str, str], key: str,
           action: str, *, reason: str | None, actor, now: dt.datetime) -> list[CaseTask]:
    """Move one phase whose guards have passed, with its events; a phase that ends with open tasks carries
    them to the phase that follows it (never silently: each is recorded). Returns the tasks carried. Does not
    commit."""
    phase = by_key[key]
    old = phase.status
    phase.status = statuses[key] = rules.next_status(action)
    carried: list[CaseTask] = []
    if action == "start":
        phase.started_at = now
        _generate_tasks(session, case, key, now)
        record(session, actor=actor, kind="phase_started", entity="case_phase", entity_id=phase.id,
               case_id=case.id, field=key, old=old, new=phase.status, at=now)
    else:
        phase.ended_at = now
        if action == "skip":
            phase.skip_reason = reason.strip()
            record(session, actor=actor, kind="phase_skipped", entity="case_phase", entity_id=phase.id,
                   case_id=case.id, params={"reason": phase.skip_reason}, field=key, old=old, new=phase.status,
                   at=now)
        else:
            record(session, actor=actor, kind="phase_completed", entity="case_phase", entity_id=phase.id,
                   case_id=case.id, field=key, old=old, new=phase.status, at=now)
        carried = _carry_open_tasks(session, case, key, rules.successor(statuses, key), actor=actor, now=now)
    case.phase = rules.current_phase(statuses)  # Case.phase = the furthest active phase
    if key == "closure" and action == "complete":
        case.status, case.closed_at = "closed", now
        record(session, actor=actor, kind="case_closed", entity="case", entity_id=case.id, case_id=case.id,
               field="status", old="open", new="closed", at=now)
    session.add_all([phase, case])
    return carried


def _carry_open_tasks(session: Session, case: Case, key: str, to: str | None, *, actor, now: dt.datetime
                      ) -> list[CaseTask]:
    if to is None:
        return []
    tasks = open_tasks_of(session, case.id, key)
    for task in tasks:
        task.phase_key = to
        session.add(task)
        record(session, actor=actor, kind="task_carried", entity="case_task", entity_id=task.id, case_id=case.id,
               field=task.template_key or "task", params={"phase": key, "to": to, "title": task.title}, at=now)
    return tasks


def open_tasks_of(session: Session, case_id: int, key: str) -> list[CaseTask]:
    return [t for t in case_tasks(session, case_id) if t.phase_key == key and t.status == "open"]


def finished_intake_rows(case: Case, *, answered: set[str], actor, now: dt.datetime
                         ) -> tuple[list[dict], list[dict], list[dict]]:
    """The phase rows, task rows and audit rows of a new case whose intake form was saved (`initial_rows` moved
    on): the intake tasks the form answered are done, intake is complete, its other tasks carried to initial
    response, which starts now with its checklist. Rows without case_id; the audit rows name the case as their
    entity (intake writes every row in one go, before any has an id)."""
    phase_rows, intake_tasks = initial_rows(case)
    statuses = {p["key"]: p["status"] for p in phase_rows}
    statuses["intake"], statuses["initial_response"] = "done", "active"
    for p in phase_rows:
        if p["key"] == "intake":
            p.update(status="done", ended_at=now)
        elif p["key"] == "initial_response":
            p.update(status="active", started_at=now)
    to = rules.successor(statuses, "intake")
    events = [("phase_completed", "intake", "active", "done", {})]
    for t in intake_tasks:
        params = {"phase": "intake", "title": t["title"]}
        if t["template_key"] in answered:
            t.update(status="done", done_at=now, done_by_id=getattr(actor, "id", None))
            events.append(("task_done", t["template_key"], "open", "done", params))
        else:
            t["phase_key"] = to
            events.append(("task_carried", t["template_key"], None, None, {**params, "to": to}))
    events.append(("phase_started", "initial_response", "not_started", "active", {}))
    tasks = [{"status": "open", "done_at": None, "done_by_id": None, **t} for t in intake_tasks + [
        {"phase_key": "initial_response", **item} for item in checklist("initial_response", _facts(case), now)]]
    phase_rows = [{"ended_at": None, **p} for p in phase_rows]  # one shape for a multi-row INSERT
    audit = [event_row(actor=actor, kind=kind, entity="case", field=field, old=old, new=new, params=params, at=now)
             for kind, field, old, new, params in events]
    return phase_rows, tasks, audit


def get_task(session: Session, case: Case, task_id: int) -> CaseTask:
    task = session.get(CaseTask, task_id)
    if task is None or task.case_id != case.id:
        raise NotFound("task")
    return task


def reopen_case(session: Session, case: Case, *, reason: str, actor, now: dt.datetime | None = None) -> Case:
    """Open a closed case again, with the reason on the timeline: its closure phase is active again, and costs,
    changes and notes are accepted until it is closed again (through the closure phase's guards); commits."""
    if case.status != "closed":
        raise Conflict(Text(N_("The case is not closed.")), code="case_open")
    if not reason.strip():
        raise Invalid({"reason": N_("say why the case is opened again")})
    now = now or utcnow()
    rows = list(session.exec(select(CasePhase).where(CasePhase.case_id == case.id).with_for_update()
                             .execution_options(populate_existing=True)))
    for phase in rows:
        if phase.key == "closure":
            phase.status, phase.ended_at = "active", None
            session.add(phase)
    case.status, case.closed_at = "open", None
    case.phase = rules.current_phase({p.key: p.status for p in rows})
    session.add(case)
    record(session, actor=actor, kind="case_reopened", entity="case", entity_id=case.id, case_id=case.id,
           field="status", old="closed", new="open", params={"reason": reason.strip()}, at=now)
    session.commit()
    return case


def _check_owner(session: Session, case: Case, owner_id: int) -> None:
    """A task's owner is a member of the hotline's staff or a user of the case's own organisation: the overdue
    reminder tells them the case's reference and the task (issue 14)."""
    from hotline.orgs.models import Policy

    user = session.get(User, owner_id)
    if user is not None and user.is_active and user.role.is_staff:
        return
    policy = session.get(Policy, case.policy_id)
    if user is None or not user.is_active or user.organization_id != policy.organization_id:
        raise Invalid({"owner_id": N_("no such user: a member of the hotline or of this case's company")})


def _check_cost_category(session: Session, case: Case, code: str) -> None:
    from hotline.orgs.models import Policy
    from hotline.products.catalogue import get_product

    product = get_product(session.get(Policy, case.policy_id).product)
    if product is not None and product.category(code) is None:
        raise Invalid({"cost_category": f"unknown category for {product.code}; one of "
                                        f"{', '.join(c.code for c in product.categories)}"})


def add_task(session: Session, case: Case, *, phase_key: str, title: str, due_at: dt.datetime | None = None,
             owner_role: str | None = None, owner_id: int | None = None, cost_category: str | None = None,
             actor=None) -> CaseTask:
    """Add a task by hand to a phase's checklist, titled as typed; commits."""
    if phase_key not in rules.PHASES:
        raise Invalid({"phase": f"unknown phase; one of {', '.join(rules.PHASE_KEYS)}"})
    if not title.strip():
        raise Invalid({"title": N_("a title is required")})
    if case.status == "closed":
        raise Blocked(Text(N_("The case is closed; no task can be added.")), blockers=[CLOSED])
    if owner_id is not None:
        _check_owner(session, case, owner_id)
    if cost_category is not None:
        _check_cost_category(session, case, cost_category)
    task = CaseTask(case_id=case.id, phase_key=phase_key, title=title.strip(), due_at=due_at, owner_role=owner_role,
                    owner_id=owner_id, cost_category=cost_category)
    session.add(task)
    session.flush()
    record(session, actor=actor, kind="task_added", entity="case_task", entity_id=task.id, case_id=case.id,
           params={"phase": phase_key, "title": task.title, "due_at": due_at}, field="task", new="open")
    session.commit()
    return task


def complete_task(session: Session, case: Case, task_id: int, *, actor=None, now: dt.datetime | None = None
                  ) -> CaseTask:
    """Mark a task done; commits. Twice is harmless and leaves one event."""
    task = get_task(session, case, task_id)
    if task.status == "done":
        return task  # completing twice is harmless and leaves one event
    if case.status == "closed":
        raise Blocked(Text(N_("The case is closed; its tasks can no longer change.")), blockers=[CLOSED])
    now = now or utcnow()
    task.status, task.done_at = "done", now
    task.done_by_id = getattr(actor, "id", None)
    session.add(task)
    record(session, actor=actor, kind="task_done", entity="case_task", entity_id=task.id, case_id=case.id,
           params={"phase": task.phase_key, "title": task.title}, field=task.template_key or "task", old="open",
           new="done", at=now)
    session.commit()
    return task


def overdue_tasks(session: Session, *, now: dt.datetime | None = None, limit: int = 50) -> list[tuple[CaseTask, Case]]:
    now = now or utcnow()
    return list(session.exec(select(CaseTask, Case).join(Case, Case.id == CaseTask.case_id)
                             .where(CaseTask.status == "open", CaseTask.due_at.is_not(None), CaseTask.due_at <= now,
                                    Case.status == "open")
                             .order_by(CaseTask.due_at, CaseTask.id).limit(limit)))


def tasks_to_remind(session: Session, *, now: dt.datetime, limit: int = 100) -> list[int]:
    """Ids of the open, overdue tasks of open cases that nobody has been reminded of yet."""
    return list(session.exec(select(CaseTask.id).where(
        CaseTask.status == "open", CaseTask.due_at.is_not(None), CaseTask.due_at <= now,
        CaseTask.reminded_at.is_(None), CaseTask.case_id.in_(select(Case.id).where(Case.status == "open")))
        .order_by(CaseTask.due_at).limit(limit)))


def _recipient(session: Session, task: CaseTask, case: Case) -> tuple[str, User] | None:
    """(who, user): the task's owner, else the case's coordinator."""
    from hotline.orgs.models import Policy

    organization_id = session.get(Policy, case.policy_id).organization_id
    for who, user_id in (("owner", task.owner_id), ("coordinator", case.coordinator_id)):
        user = session.get(User, user_id) if user_id else None
        # never another company's user (an owner set before owners were checked)
        if user is not None and user.is_active and (user.role.is_staff or user.organization_id == organization_id):
            return who, user
    return None


def remind_overdue_task(session: Session, task_id: int, *, now: dt.datetime, notifier: Notifier) -> bool:
    """One reminder to the owner of an overdue task, exactly once (claimed like the deadline reminders), in
    their language, by SMS when they have a phone, else by e-mail; commits. False when another clock has it.
    The timeline names who was reminded by role, never by their address (insureds read it)."""
    task = session.exec(lock_due(select(CaseTask).where(CaseTask.id == task_id,
                                                        CaseTask.reminded_at.is_(None)))).first()
    if task is None or not claim(session, CaseTask, task_id, column="reminded_at", value=now):
        session.rollback()
        return False
    case = session.get(Case, task.case_id)
    target = _recipient(session, task, case)
    if target is not None:
        user = target[1]
        body = render(Text(N_("[hotline] %(reference)s overdue task: %(task)s (due %(when)s JST)"),
                           reference=case.reference, task=task.label, when=task.due_at),
                      user.language or DEFAULT_MESSAGE_LANGUAGE)
        send(session, notifier, channel="sms" if user.phone else "email", to=user.phone or user.email,
             case_id=case.id, source=f"task:{task.id}", body=body)
    record(session, actor="clock", kind="reminder_sent", entity="case_task", entity_id=task.id,
           case_id=case.id, field=task.template_key or "task", new=target[0] if target else None,
           params={"phase": task.phase_key, "title": task.title}, at=now)
    session.commit()
    return True


def require_phase_key(key: str) -> None:
    """An unknown phase key in a URL is a resource that does not exist: 404."""
    if key not in rules.PHASES:
        raise NotFound(message=f"No such phase {key!r}; phases are {', '.join(rules.PHASE_KEYS)}.")
