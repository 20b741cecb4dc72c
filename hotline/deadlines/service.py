"""Deadline rows: recomputed from the case facts (and the 30-day rule of the policy's product) by the pure
rules in workflows.deadlines.

Every change of a deadline row is written to the audit log (deadline_changed old → new; deadline_missed;
deadline_met) in the same transaction. Reminders are (re)scheduled (deadlines/reminders.py) whenever the
deadlines move. `recompute` adds to its caller's unit of work; the other functions that change rows commit.
"""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.cases.models import Case, facts_of, require_open
from hotline.db import lock_due, utcnow
from hotline.deadlines import reminders
from hotline.deadlines.models import Deadline
from hotline.errors import Invalid, NotFound
from hotline.formatting import iso
from hotline.i18n import render
from hotline.orgs.models import Policy
from hotline.products.catalogue import get_product
from workflows import deadlines as rules
from workflows.text import N_, Text

OFFSET_RE = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offsets(text: str) -> list[tuple[str, dt.timedelta]]:
    """'7d,3d,1d,4h' → [('7d', 7 days), …]; a bad entry raises ValueError naming it."""
    out = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        m = OFFSET_RE.match(part)
        if not m or int(m.group(1)) == 0:
            raise ValueError(f"bad reminder offset {part!r}: use e.g. 7d, 4h or 30m")
        out.append((f"{int(m.group(1))}{m.group(2)}", dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})))
    return out


DEFAULT_OFFSETS = parse_offsets("7d,3d,1d,4h")


def computed(session: Session, case: Case, policy: Policy | None = None) -> list[rules.Computed]:
    """What the pure rules say for the case: its facts, and the 30-day rule of its policy's product (a product
    without one gives the insurer notice not_applicable). `policy`: when the caller has it already."""
    code = (policy or session.get(Policy, case.policy_id)).product
    product = get_product(code)
    return rules.compute(facts_of(case), thirty_day=product.thirty_day_rule if product is not None else None,
                         product=code)


def new_row(c: rules.Computed, now: dt.datetime) -> dict:
    """The deadline row of a case that has none of that kind yet (no report recorded), without its case_id."""
    met_at = c.met_at if c.kind not in rules.RECORDABLE else None
    return {"kind": c.kind, "status": rules.status(c.due_at, met_at, c.applies, now), "due_at": c.due_at,
            "last_day": c.last_day, "starts_at": c.starts_at, "met_at": met_at, "updated_at": now}


def nearest_unmet(rows) -> dt.datetime | None:
    """The case's next_due_at: the earliest due instant of its unmet deadlines (open or missed, no report), from
    (status, due_at, met_at) triples."""
    unmet = [due for st, due, met in rows if st in ("open", "missed") and met is None and due is not None]
    return min(unmet) if unmet else None


def rules_of(session: Session, case: Case) -> dict[str, rules.Computed]:
    """Each deadline's rule (its words and its source), derived from the facts the rows were computed from:
    the rows store dates and statuses, the words are rendered when read."""
    return {c.kind: c for c in computed(session, case)}


def rule_text(c: rules.Computed | None, lang: str, *, with_source: bool = True) -> str:
    """The rule in words. With its source first for staff and the API ("Decision I-10 (DOMAIN G.1): …"),
    without it for insureds."""
    if c is None:
        return ""
    words = render(c.rule, lang)
    return f"{render(c.source, lang)}: {words}" if with_source and c.source is not None else words


def describe(row: Deadline) -> str:
    """One line for the audit log's old/new: status, last day and due instant."""
    if row.status == "not_applicable":
        return "not_applicable"
    parts = [row.status]
    if row.last_day:
        parts.append(f"last day {row.last_day.isoformat()}")
    parts.append(f"due {iso(row.due_at)}")
    if row.met_at:
        parts.append(f"met {iso(row.met_at)}")
    return ", ".join(parts)


def _unmet(row: Deadline) -> bool:
    return row.status in ("open", "missed") and row.met_at is None and row.due_at is not None


def deadlines_of(session: Session, case_id: int) -> list[Deadline]:
    rows = session.exec(select(Deadline).where(Deadline.case_id == case_id)).all()
    order = {k: i for i, k in enumerate(rules.KINDS)}
    return sorted(rows, key=lambda d: order.get(d.kind, 99))


def recompute(session: Session, case: Case, *, actor, now: dt.datetime | None = None, offsets=None,
              audit: bool = True, fresh: bool = False) -> list[tuple[str, str, str]]:
    """Bring the deadline rows in line with the facts; returns [(kind, old, new)] for the rows that changed.

    A recorded report (met_at) survives recomputation; the insurer notice is met by reported_at.
    `fresh`: the case has no rows yet (intake, the backfill: skips the reads, inserts in bulk).
    Does not commit: intake, a fact change or a recorded report calls it inside its own unit of work.
    """
    now = now or utcnow()
    existing = {} if fresh else {d.kind: d for d in session.exec(select(Deadline).where(Deadline.case_id == case.id))}
    changes: list[tuple[str, str, str]] = []
    slots: list[tuple[int | None, str, str, dt.datetime | None, dt.datetime | None]] = []  # id, kind, status, due, met
    inserts: list[dict] = []
    for c in computed(session, case):
        row = existing.get(c.kind)
        if row is None:  # new rows go in with one bulk INSERT below
            inserts.append({"case_id": case.id, **new_row(c, now)})
            continue
        met_at = c.met_at if c.kind not in rules.RECORDABLE else row.met_at
        st = rules.status(c.due_at, met_at, c.applies, now)
        old, old_status = describe(row), row.status
        row.due_at, row.last_day, row.starts_at, row.met_at = c.due_at, c.last_day, c.starts_at, met_at
        row.status = st
        new = describe(row)
        if old != new:
            row.updated_at = now
            changes.append((c.kind, old, new))
            if audit:
                record(session, actor=actor, kind="deadline_changed", entity="deadline", entity_id=row.id,
                       case_id=case.id, field=c.kind, old=old, new=new)
                if st == "missed" and old_status != "missed" and met_at is None:
                    record_missed(session, row, actor=actor, new=iso(row.due_at))
        slots.append((row.id, c.kind, st, c.due_at, met_at))
    session.flush()
    if inserts:
        table = Deadline.__table__
        ids = dict((k, i) for i, k in session.execute(
            sa.insert(table).returning(table.c.id, table.c.kind, sort_by_parameter_order=True), inserts))
        slots += [(ids[v["kind"]], v["kind"], v["status"], v["due_at"], v["met_at"]) for v in inserts]
    case.next_due_at = nearest_unmet((st, due, met) for _id, _k, st, due, met in slots)
    session.add(case)
    reminders.schedule(session, case, [(i, due) for i, _k, st, due, _m in slots if st == "open" and due],
                       now=now, offsets=DEFAULT_OFFSETS if offsets is None else offsets, fresh=fresh)
    return changes


def record_met(session: Session, case: Case, kind: str, met_at: dt.datetime, *, actor,
               now: dt.datetime | None = None, offsets=None) -> Deadline:
    """Record that the report of `kind` was made at `met_at` (in time: met; late: stays missed, with met_at);
    commits."""
    now = now or utcnow()
    if kind not in rules.KINDS:
        raise NotFound("deadline kind")
    require_open(case)
    if kind not in rules.RECORDABLE:
        raise Invalid({"kind": N_("the insurer notice is met by the case's reported_at; change that instead")})
    row = session.exec(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == kind)).one()
    if row.status == "not_applicable":
        raise Invalid({"kind": N_("this deadline does not apply to the case (its trigger facts do not hold)")})
    if met_at > now:
        raise Invalid({"met_at": N_("is in the future")})
    if met_at < case.first_discovered_at:
        raise Invalid({"met_at": N_("is before the event was first discovered")})
    old = row.met_at
    row.met_at = met_at
    row.status = rules.status(row.due_at, met_at, True, now)
    record(session, actor=actor, kind="deadline_met", entity="deadline", entity_id=row.id, case_id=case.id,
           field=kind, old=old, new=met_at, params={"late": row.status != "met" or None})
    recompute(session, case, actor=actor, now=now, offsets=offsets, audit=False)
    session.commit()
    return row


def record_missed(session: Session, row: Deadline, *, actor, at: dt.datetime | None = None, **change) -> None:
    """The timeline entry of a deadline that passed unmet, whether a recomputation or the clock found it."""
    record(session, actor=actor, kind="deadline_missed", entity="deadline", entity_id=row.id, case_id=row.case_id,
           field=row.kind, at=at, params={"due_at": row.due_at}, **change)


def overdue(session: Session, *, now: dt.datetime, limit: int = 500) -> list[int]:
    """Ids of the open deadlines whose due instant has passed, earliest first."""
    return list(session.exec(select(Deadline.id).where(Deadline.status == "open", Deadline.due_at <= now)
                             .order_by(Deadline.due_at).limit(limit)))


def overdue_on_open_cases(session: Session, *, now: dt.datetime, limit: int = 50) -> list[tuple[Deadline, Case]]:
    """Unmet deadlines past their due instant (open, or missed with no report yet) on open cases, the longest
    overdue first: the admin's dashboard, across every case."""
    return list(session.exec(select(Deadline, Case).join(Case, Case.id == Deadline.case_id).where(
        Case.status == "open", Deadline.status.in_(("open", "missed")), Deadline.met_at.is_(None),
        Deadline.due_at <= now).order_by(Deadline.due_at, Deadline.id).limit(limit)))


def mark_missed(session: Session, deadline_id: int, *, now: dt.datetime) -> bool:
    """An open deadline whose due instant passed unmet becomes missed (audit: deadline_missed); commits.
    False when it was not open any more (met meanwhile, or another clock marked it)."""
    row = session.exec(lock_due(select(Deadline).where(Deadline.id == deadline_id,
                                                       Deadline.status == "open"))).first()
    changed = row is not None and session.execute(
        sa.update(Deadline).where(Deadline.id == deadline_id, Deadline.status == "open")
        .values(status="missed", updated_at=now)).rowcount == 1
    if changed:
        record_missed(session, row, actor="clock", at=now, old="open", new="missed")
    session.commit()
    return changed


def open_deadline_summaries(session: Session, case_id: int) -> list[Text]:
    """The unmet deadlines (open, or missed with no report yet), nearest first: a closing guard."""
    rows = [r for r in deadlines_of(session, case_id) if _unmet(r)]
    out = []
    for r in sorted(rows, key=lambda r: r.due_at):
        if r.last_day:
            msgid = N_("%(deadline)s: last day %(day)s, overdue") if r.status == "missed" else \
                N_("%(deadline)s: last day %(day)s")
            out.append(Text(msgid, deadline=rules.label(r.kind), day=r.last_day))
        else:
            msgid = N_("%(deadline)s: due %(due)s JST, overdue") if r.status == "missed" else \
                N_("%(deadline)s: due %(due)s JST")
            out.append(Text(msgid, deadline=rules.label(r.kind), due=r.due_at))
    return out
