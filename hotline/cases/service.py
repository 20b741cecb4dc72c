"""Cases: intake, fact changes (with the deadlines recomputed), lists, and loading a case the way every
edge must, with the organisation scope applied.

Opening a case is one unit of work: the case, its deadlines and reminders, its phases and the intake
checklist, and the audit entries are committed together.
"""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import nullcontext

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.auth.models import Role, User
from hotline.auth.permissions import check_case_visible
from hotline.cases.models import Case, CaseReferenceCounter
from hotline.cases.schemas import DEFAULTS, NOT_NULL, CaseIn, CasePatch
from hotline.db import utcnow
from hotline.deadlines import service as deadlines
from hotline.deadlines.models import Deadline
from hotline.errors import Invalid, NotFound
from hotline.formatting import TOKYO
from hotline.orgs.models import Organization, Policy
from hotline.phases import service as phases
from hotline.phases.models import CasePhase
from hotline.validation import clean_search
from workflows.text import N_

# Instants a little ahead of the server clock are clock skew between the caller and us, not the future.
SKEW = dt.timedelta(minutes=2)
# SQLite has one writer at a time and its busy handler polls with growing sleeps (up to 100 ms), which
# gives long tails when a worker's threads collide. Threads of one process queue here instead.
_SQLITE_WRITER = threading.Lock()
LATER_CLOCKS = ("appi_known_at", "gdpr_aware_at", "card_known_at", "pmark_discovered_at")


def get_visible_case(session: Session, user: User, reference: str) -> tuple[Case, Policy]:
    """The case and its policy, or 404 when it does not exist or belongs to another company (insureds)."""
    if clean_search(reference, 40) != reference:  # a NUL in the path: no such case, not a database error
        raise NotFound("case")
    row = session.exec(select(Case, Policy).join(Policy, Policy.id == Case.policy_id)
                       .where(Case.reference == reference)).first()
    if row is None:
        raise NotFound("case")
    case, policy = row
    check_case_visible(user, policy.organization_id)
    return case, policy


def next_reference(session: Session, year: int) -> str:
    """CY-<year>-<6 digits> from the year's counter row, incremented by one atomic upsert.

    PostgreSQL: the upsert runs in its own short transaction on a second connection, so concurrent intakes
    queue on the counter row only for that statement, not for their whole unit of work (a failed intake
    leaves a gap, never a duplicate). SQLite has a single writer anyway: it runs in the caller's transaction.
    """
    table = CaseReferenceCounter.__table__
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(table).values(year=year, last=1)
            .on_conflict_do_update(index_elements=["year"], set_={"last": table.c.last + 1})
            .returning(table.c.last))
    if bind.dialect.name == "postgresql":
        with bind.connect() as conn:
            n = conn.execute(stmt).scalar_one()
            conn.commit()
    else:
        n = session.execute(stmt).scalar_one()
    return f"CY-{year}-{n:06d}"


def _check(session: Session, values: dict, now: dt.datetime) -> None:
    """Cross-field rules of intake and PATCH, on the merged values; 422 with every field that is wrong."""
    errors: dict[str, str] = {}
    disc, reported = values["first_discovered_at"], values["reported_at"]
    if disc > now + SKEW:
        errors["first_discovered_at"] = N_("is in the future")
    if reported > now + SKEW:
        errors["reported_at"] = N_("is in the future")
    if disc > reported and "first_discovered_at" not in errors:
        errors["first_discovered_at"] = N_("is after reported_at: the event cannot be reported before it was discovered")
    for name in LATER_CLOCKS:
        v = values.get(name)
        if v is not None and v > now + SKEW:
            errors[name] = N_("is in the future")
        elif v is not None and v < disc:
            errors[name] = N_("is before first_discovered_at")
    if values.get("publication_made_at") and values["publication_made_at"] > now + SKEW:
        errors["publication_made_at"] = N_("is in the future")
    if session.get(Policy, values["policy_id"]) is None:
        errors["policy_id"] = N_("no such policy")
    cid = values.get("coordinator_id")
    if cid is not None:
        user = session.get(User, cid)
        if user is None or user.role is not Role.coordinator or not user.is_active:
            errors["coordinator_id"] = N_("not an active coordinator")
    if errors:
        raise Invalid(errors)


def create_case(session: Session, data: CaseIn, *, actor, now: dt.datetime | None = None,
                offsets=None, finish_intake: bool = False) -> Case:
    """Open a case: its deadlines and reminders, its phases and intake checklist, the audit entry; commits.
    `finish_intake` (the intake form, which answers the intake checklist): intake is completed and initial
    response started in the same unit of work (phases.service.finish_intake)."""
    now = now or utcnow()
    values = {k: v for k, v in data.model_dump().items() if v is not None}
    values = {**DEFAULTS, **values}
    values.setdefault("reported_at", now)
    if values.get("coordinator_id") is None and getattr(actor, "role", None) is Role.coordinator:
        values["coordinator_id"] = actor.id  # a coordinator taking the call runs the case
    _check(session, values, now)  # every read first: the writes below hold the writer lock until commit
    policy = session.get(Policy, values["policy_id"])
    session.get(User, values["coordinator_id"]) if values.get("coordinator_id") else None  # cached for reminders
    sqlite = session.get_bind().dialect.name == "sqlite"
    with _SQLITE_WRITER if sqlite else nullcontext():
        case = Case(reference=next_reference(session, now.astimezone(TOKYO).year),
                    created_by_id=getattr(actor, "id", None), created_at=now, **values)
        session.add(case)
        session.flush()
        record(session, actor=actor, kind="case_opened", entity="case", entity_id=case.id, case_id=case.id,
               params={"reference": case.reference, "policy": policy.policy_number,
                       "outside": not policy.covers(case.first_discovered_at) or None}, at=now)
        deadlines.recompute(session, case, actor=actor, now=now, offsets=offsets, audit=False, fresh=True)
        phases.initialise_case_workflow(session, case)
        if finish_intake:
            phases.finish_intake(session, case, answered=intake_answered(case, policy), actor=actor, now=now)
        session.commit()
    return case


def intake_answered(case: Case, policy: Policy) -> set[str]:
    """The intake checklist items a saved intake form has answered: the call and the facts are recorded; the
    coordinator when one was chosen; the policy when the discovery falls in its period (otherwise cover must be
    checked by a person)."""
    return {"record_call"} | ({"assign_coordinator"} if case.coordinator_id else set()) | (
        {"confirm_policy"} if policy.covers(case.first_discovered_at) else set())


def backfill(session: Session, *, now: dt.datetime | None = None, offsets=None, batch: int = 500) -> int:
    """Give every case that lacks them what intake gives a case: its deadline rows and reminders, its phases and
    the intake checklist. For cases of databases older than that rule, and rows loaded in bulk (the benchmark).
    `init-db` runs it, so pages and the API only read. One unit of work per batch; returns how many cases it
    completed; a second run finds nothing to do."""
    now = now or utcnow()
    has_deadlines = sa.exists().where(Deadline.case_id == Case.id).label("has_deadlines")
    has_phases = sa.exists().where(CasePhase.case_id == Case.id).label("has_phases")
    done, after = 0, 0
    while True:
        rows = session.exec(select(Case, has_deadlines, has_phases)
                            .where(Case.id > after, sa.or_(~has_deadlines, ~has_phases))
                            .order_by(Case.id).limit(batch)).all()
        if not rows:
            return done
        for case, with_deadlines, with_phases in rows:
            if not with_deadlines:
                deadlines.recompute(session, case, actor="system", now=now, offsets=offsets, audit=False, fresh=True)
            if not with_phases:
                phases.initialise_case_workflow(session, case)
        session.commit()
        done, after = done + len(rows), rows[-1][0].id


def update_case(session: Session, case: Case, data: CasePatch, *, actor, now: dt.datetime | None = None,
                offsets=None) -> list[tuple[str, str, str]]:
    """Change facts: one fact_changed entry per field (old → new), then the deadlines are recomputed
    (deadline_changed entries). Returns the deadline changes; commits."""
    now = now or utcnow()
    sent = data.model_dump(include=data.model_fields_set)
    nulls = {k: N_("must not be null") for k, v in sent.items() if v is None and k in NOT_NULL}
    if nulls:
        raise Invalid(nulls)
    values = {**case.model_dump(), **sent}
    _check(session, values, now)
    for name, new in sent.items():
        old = getattr(case, name)
        if old == new:
            continue
        setattr(case, name, new)
        names = _coordinator_names(session, old, new) if name == "coordinator_id" else None
        record(session, actor=actor, kind="fact_changed", entity="case", entity_id=case.id, case_id=case.id,
               field=name, old=old, new=new, params=names, at=now)
    session.add(case)
    session.flush()
    changes = deadlines.recompute(session, case, actor=actor, now=now, offsets=offsets)
    session.commit()
    return changes


def _coordinator_names(session: Session, *ids: int | None) -> dict:
    """A change of coordinator is recorded with their names (the timeline shows who, not an id; never an e-mail
    address, which insureds would read)."""
    users = [session.get(User, i) if i else None for i in ids]
    return {side: u.display_name if u else None for side, u in zip(("old", "new"), users, strict=True)}


def list_cases(session: Session, *, organization_scope: int | None = None, status: str | None = None,
               policy_id: int | None = None, organization_id: int | None = None, q: str = "",
               limit: int = 100, offset: int = 0) -> list[tuple[Case, Policy, Organization]]:
    """Cases, nearest unmet deadline first (overdue ones first, as they are the earliest)."""
    query = (select(Case, Policy, Organization).join(Policy, Policy.id == Case.policy_id)
             .join(Organization, Organization.id == Policy.organization_id))
    if organization_scope is not None:
        query = query.where(Policy.organization_id == organization_scope)
    if organization_id is not None:
        query = query.where(Policy.organization_id == organization_id)
    if status:
        query = query.where(Case.status == status)
    if policy_id is not None:
        query = query.where(Case.policy_id == policy_id)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        query = query.where(sa.or_(Case.reference.ilike(like), Organization.name.ilike(like)))
    query = query.order_by(Case.next_due_at.asc().nulls_last(), Case.id.desc())
    return list(session.exec(query.offset(offset).limit(limit)))
