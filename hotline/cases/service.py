"""Cases: intake, fact changes (with the deadlines recomputed), lists, and loading a case the way every
edge must, with the organisation scope applied.

Opening a case is one unit of work: the case, its deadlines and reminders, its phases and the intake
checklist, and the audit entry are computed first, then written set-based and committed together.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from contextlib import nullcontext
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from hotline.audit.service import event_row, record
from hotline.auth.models import Role, User
from hotline.auth.permissions import check_case_visible
from hotline.calls import service as calls
from hotline.cases import intake_rows
from hotline.cases.models import LIST_ORDER, Case, CaseReferenceCounter, require_open
from hotline.cases.schemas import DEFAULTS, NOT_NULL, CaseIn, CasePatch
from hotline.db import fts_table, utcnow
from hotline.deadlines import reminders
from hotline.deadlines import service as deadlines
from hotline.deadlines.models import Deadline
from hotline.errors import Invalid, NotFound
from hotline.formatting import TOKYO
from hotline.orgs.models import Organization, Policy
from hotline.phases import service as phases
from hotline.phases.models import CasePhase
from hotline.validation import YEARS, clean_search, normalise, read_phone, search_key
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
    """CY-<year>-<6 digits> from the year's counter row, incremented by one atomic upsert in the caller's
    transaction: on PostgreSQL the row stays locked until intake commits (a few milliseconds: intake takes it
    just before its one write), so a failed intake leaves neither a gap nor a duplicate."""
    table = CaseReferenceCounter.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    n = session.execute(insert(table).values(year=year, last=1)
                        .on_conflict_do_update(index_elements=["year"], set_={"last": table.c.last + 1})
                        .returning(table.c.last)).scalar_one()
    return f"CY-{year}-{n:06d}"


def _policy_and_coordinator(session: Session, values: dict) -> tuple[Policy | None, User | None]:
    """The case's policy and its coordinator (None when absent), in one statement."""
    cid = values.get("coordinator_id")
    one = sa.select(sa.literal(1).label("one")).subquery()
    row = session.execute(select(Policy, User).select_from(one)
                          .outerjoin(Policy, Policy.id == values["policy_id"])
                          .outerjoin(User, User.id == cid if cid is not None else sa.false())).one()
    return row[0], row[1]


def _check(values: dict, now: dt.datetime, policy: Policy | None, coordinator: User | None) -> None:
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
    if policy is None:
        errors["policy_id"] = N_("no such policy")
    if values.get("coordinator_id") is not None and (
            coordinator is None or coordinator.role is not Role.coordinator or not coordinator.is_active):
        errors["coordinator_id"] = N_("not an active coordinator")
    if errors:
        raise Invalid(errors)


@dataclass
class Opened:
    """A case just opened, with what intake computed for it: the API answers from this, without reading again."""
    case: Case
    policy: Policy
    deadlines: list[Deadline]  # in the order of workflows.deadlines.KINDS
    rules: dict  # kind → workflows.deadlines.Computed


def create_case(session: Session, data: CaseIn, *, actor, now: dt.datetime | None = None,
                offsets=None, finish_intake: bool = False) -> Case:
    """Open a case (`open_case`); commits."""
    return open_case(session, data, actor=actor, now=now, offsets=offsets, finish_intake=finish_intake).case


def open_case(session: Session, data: CaseIn, *, actor, now: dt.datetime | None = None, offsets=None,
              finish_intake: bool = False) -> Opened:
    """Open a case: its deadlines and reminders, its phases and intake checklist, the audit entry; commits.

    Everything is computed first from one read (the policy and the coordinator); then, under the writer lock,
    the reference counter and one write of every row (cases/intake_rows.py), and the commit. `finish_intake` (the
    intake form, which answers the intake checklist): intake is completed and initial response started in the
    same rows (phases.service.finished_intake_rows)."""
    now = now or utcnow()
    values = {k: v for k, v in data.model_dump().items() if v is not None}
    values = {**DEFAULTS, **values}
    call = _from_call(session, values) if "call_id" in values else None
    values.setdefault("reported_at", now)
    if values.get("coordinator_id") is None and getattr(actor, "role", None) is Role.coordinator:
        values["coordinator_id"] = actor.id  # a coordinator taking the call runs the case
    policy, coordinator = _policy_and_coordinator(session, values)
    _check(values, now, policy, coordinator)
    case = Case(created_by_id=getattr(actor, "id", None), created_at=now, **values)
    computed = deadlines.computed(session, case, policy)
    deadline_rows = [deadlines.new_row(c, now) for c in computed]
    case.next_due_at = deadlines.nearest_unmet((d["status"], d["due_at"], d["met_at"]) for d in deadline_rows)
    planned = reminders.planned([(d["kind"], d["due_at"]) for d in deadline_rows if d["status"] == "open"],
                                reminders.recipients(case, coordinator), now=now,
                                offsets=deadlines.DEFAULT_OFFSETS if offsets is None else offsets)
    extra_audit: list[dict] = []
    if finish_intake:  # the intake form answered its checklist: initial response starts now
        phase_rows, task_rows, extra_audit = phases.finished_intake_rows(
            case, answered=intake_answered(case, policy), actor=actor, now=now)
        case.phase = "initial_response"
    else:
        phase_rows, task_rows = phases.initial_rows(case)
    sqlite = session.get_bind().dialect.name == "sqlite"
    with _SQLITE_WRITER if sqlite else nullcontext():
        case.reference = next_reference(session, now.astimezone(TOKYO).year)
        audit = event_row(actor=actor, kind="case_opened", entity="case", at=now,
                          params={"reference": case.reference, "policy": policy.policy_number,
                                  "outside": not policy.covers(case.first_discovered_at) or None})
        case_row = case.model_dump(exclude={"id"})
        case.id, deadline_ids = intake_rows.write(session, intake_rows.NewCase(
            case_row, deadline_rows, reminders.rows(planned, now=now), phase_rows, task_rows, audit, extra_audit))
        if call is not None:
            calls.link_case(session, call, case, actor=actor, now=now)
        session.commit()
    make_transient_to_detached(case)  # the row as written: the caller's session has it, nothing is read again
    session.add(case)
    rows = [Deadline(id=deadline_ids[d["kind"]], case_id=case.id, **d) for d in deadline_rows]
    return Opened(case, policy, rows, {c.kind: c for c in computed})


def _from_call(session: Session, values: dict):
    """A case opened from a call: the ring instant is the notice to the insurer (DOMAIN C.3), however long the
    typing took, and the caller's number is the contact phone unless another is given."""
    call = calls.call_for_intake(session, values.pop("call_id"))
    if values.get("reported_at") not in (None, call.started_at):
        raise Invalid({"reported_at": N_("differs from the ring instant of the call: leave it out with call_id")})
    values["reported_at"] = call.started_at
    if call.from_e164:
        values.setdefault("contact_phone", call.from_e164)
        values.setdefault("caller_phone", call.from_e164)
    return call


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
    require_open(case)
    sent = data.model_dump(include=data.model_fields_set)
    nulls = {k: N_("must not be null") for k, v in sent.items() if v is None and k in NOT_NULL}
    if nulls:
        raise Invalid(nulls)
    values = {**case.model_dump(), **sent}
    _check(values, now, *_policy_and_coordinator(session, values))
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


# CY-2026-000123 (any two letters), 2026-000123, 2026000123, 000123, 123
REFERENCE = re.compile(r"(?:[A-Z]{2}-?)?(?:(\d{4})-(\d{1,6})|(\d{4})(\d{6})|(\d{1,6}))")


# A search matching more policies than this takes them as a subquery rather than a list of ids. On SQLite, so does
# one matching more cases than DENSE_CASES, and it walks the list's order index keeping the matching cases (the
# first page comes soon when many match); fewer, it reads their cases by policy and sorts them. PostgreSQL
# chooses by its statistics.
DENSE_POLICIES = 200
DENSE_CASES = 5000


def key_matches(session: Session, model, key: str):
    """The rows of `model` (Organization or Policy) whose search key holds `key`: a trigram index search on
    PostgreSQL (pg_trgm serves LIKE); on SQLite, from 3 characters, the full-text table of trigrams that
    migration 0014 keeps beside the table (shorter keys are read from the table itself)."""
    if session.get_bind().dialect.name == "sqlite" and len(key) >= 3:
        fts = sa.table(fts_table(model.__tablename__), sa.column("rowid"))
        phrase = '"' + key + '"'  # a search key is letters and digits only: nothing to escape
        return model.id.in_(select(fts.c.rowid).where(sa.literal_column(fts.name).op("MATCH")(phrase)))
    return model.search_key.contains(key, autoescape=True)


def search_condition(session: Session, q: str, organization_scope: int | None = None):
    """What a search box's text matches: a case reference (in full, or its number in any year: `000123`,
    `123`), the caller's or contact's phone in any format (compared as E.164), or part of the company name or
    the policy number, compared by their search keys (hotline.validation.search_key: width, case, 株式会社 and
    the like, katakana or hiragana, spaces and dashes do not matter). Each part is an index search (PostgreSQL
    ORs them in a bitmap); the policies whose company or number matches are found first (a small table), so
    that the database plans the cases' part knowing how many there are."""
    text, sqlite = normalise(q), session.get_bind().dialect.name == "sqlite"
    found = []  # conditions, each an index search of cases
    if m := REFERENCE.fullmatch(text.replace(" ", "").upper()):
        year, number = (m[1], m[2]) if m[1] else (m[3], m[4]) if m[3] else (None, m[5])
        years = [int(year)] if year else range(YEARS[0], YEARS[1] + 1)  # ~100 probes of a unique index
        found.append(Case.reference.in_([f"CY-{y}-{int(number):06d}" for y in years]))
    if sum(c.isdigit() for c in text) >= 9 and (phone := read_phone(text)):  # shorter: no Japanese number
        found += [Case.caller_phone == phone, Case.contact_phone == phone]
    dense = None
    if key := search_key(q):
        by_company = select(Policy.id).where(Policy.organization_id.in_(
            select(Organization.id).where(key_matches(session, Organization, key))))
        by_number = select(Policy.id).where(key_matches(session, Policy, key))
        if organization_scope is not None:
            by_company, by_number = (s.where(Policy.organization_id == organization_scope)
                                     for s in (by_company, by_number))
        policies = sa.union(by_company, by_number)
        ids = session.execute(policies.limit(DENSE_POLICIES + 1)).scalars().all()
        if sqlite and ids and (len(ids) > DENSE_POLICIES or session.execute(
                select(sa.func.count()).where(Case.policy_id.in_(ids))).scalar_one() > DENSE_CASES):
            dense = (Case.policy_id + 0).in_(policies)  # `+ 0`: not by the policy index
        elif ids:
            found.append(Case.policy_id.in_(policies) if len(ids) > DENSE_POLICIES else Case.policy_id.in_(ids))
    if len(found) > 1 and sqlite:
        # SQLite plans an OR of indexed terms by its statistics, which say nothing useful of a column that is
        # mostly NULL (the phones): it would walk the whole list. The ids of each term's index search instead.
        found = [Case.id.in_(sa.union_all(*(select(Case.id).where(c) for c in found)))]
    conditions = found
    if dense is not None:
        conditions.append(dense)
    return sa.or_(*conditions) if conditions else sa.false()


def list_cases(session: Session, *, organization_scope: int | None = None, status: str | None = None,
               policy_id: int | None = None, organization_id: int | None = None, q: str = "",
               phase: str | None = None, coordinator_id: int | None = None, overdue: bool = False,
               now: dt.datetime | None = None, columns=None, limit: int = 100, offset: int = 0) -> list:
    """Cases in LIST_ORDER (nearest unmet deadline first, overdue ones first), filtered; `q` as
    search_condition reads it. Rows of (Case, Policy, Organization), or of `columns` when given (a page
    selects only what it shows). `overdue`: open cases with an unmet deadline past due at `now`."""
    query = (select(*columns) if columns else select(Case, Policy, Organization)).select_from(Case)
    query = (query.join(Policy, Policy.id == Case.policy_id)
             .join(Organization, Organization.id == Policy.organization_id))
    if organization_scope is not None:
        query = query.where(Policy.organization_id == organization_scope)
    if organization_id is not None:
        query = query.where(Policy.organization_id == organization_id)
    if status:
        query = query.where(Case.status == status)
    if policy_id is not None:
        query = query.where(Case.policy_id == policy_id)
    if phase:
        query = query.where(Case.phase == phase)
    if coordinator_id is not None:
        query = query.where(Case.coordinator_id == coordinator_id)
    if overdue:  # a range of the (status, LIST_ORDER) index
        query = query.where(Case.status == "open", LIST_ORDER[0] == sa.false(),
                            Case.next_due_at <= (now or utcnow()))
    if q.strip():
        query = query.where(search_condition(session, q, organization_scope))
    return list(session.exec(query.order_by(*LIST_ORDER).offset(offset).limit(limit)))
