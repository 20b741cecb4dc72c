"""Writing a new case with every row that comes with it, set-based: one statement per table on SQLite, and one
statement in all on PostgreSQL (data-modifying CTEs: the case, then its children from the case's new id).

Intake computes every row first (cases.service.open_case); this module only writes them. Children are given
without case_id; reminders name their deadline by `deadline_id` = the deadline's kind, as the deadline rows do
not exist yet when they are planned.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from hotline.audit.models import AuditEvent
from hotline.cases.models import Case
from hotline.deadlines.models import Deadline, Reminder
from hotline.phases.models import CasePhase, CaseTask

CASE, DEADLINE, REMINDER = Case.__table__, Deadline.__table__, Reminder.__table__
PHASE, TASK, AUDIT = CasePhase.__table__, CaseTask.__table__, AuditEvent.__table__


@dataclass
class NewCase:
    case: dict
    deadlines: list[dict]
    reminders: list[dict]  # deadline_id: the deadline's kind
    phases: list[dict]
    tasks: list[dict]
    audit: dict  # case_id and entity_id: the case's id
    more_audit: list[dict] = field(default_factory=list)  # e.g. the intake form finishing intake; the same ids


def write(session: Session, rows: NewCase) -> tuple[int, dict[str, int]]:
    """Insert the case and its rows in the caller's transaction; returns the case id and {kind: deadline id}.
    Does not commit."""
    if session.get_bind().dialect.name == "postgresql":
        return _in_one_statement(session, rows)
    return _table_by_table(session, rows)


def _table_by_table(session: Session, rows: NewCase) -> tuple[int, dict[str, int]]:
    case_id = session.execute(sa.insert(CASE).returning(CASE.c.id), rows.case).scalar_one()
    ids = dict(session.execute(sa.insert(DEADLINE).values([{**d, "case_id": case_id} for d in rows.deadlines])
                               .returning(DEADLINE.c.kind, DEADLINE.c.id)).all())  # one multi-row INSERT
    for table, children in ((REMINDER, [{**r, "case_id": case_id, "deadline_id": ids[r["deadline_id"]]}
                                        for r in rows.reminders]),
                            (PHASE, [{**p, "case_id": case_id} for p in rows.phases]),
                            (TASK, [{**t, "case_id": case_id} for t in rows.tasks]),
                            (AUDIT, [{**a, "case_id": case_id, "entity_id": case_id}
                                     for a in (rows.audit, *rows.more_audit)])):
        if children:
            session.execute(sa.insert(table), children)
    return case_id, ids


def _defaults(table: sa.Table, rows: list[dict]) -> list[dict]:
    """The rows with the Python-side defaults of the columns they leave out (an INSERT … SELECT does not apply
    them)."""
    missing = [c for c in table.c if c.default is not None and not c.primary_key and c.name not in rows[0]]
    if not missing:
        return rows
    values = {c.name: c.default.arg if c.default.is_scalar else c.default.arg(None) for c in missing}
    return [{**values, **r} for r in rows]


def _values(table: sa.Table, rows: list[dict], name: str, *, leave_out=(), types: dict | None = None) -> sa.Values:
    """Rows as a VALUES list typed by the table's columns (so instants are stored as UTCDateTime stores them),
    without the columns in `leave_out` (those the new case's id fills)."""
    rows = _defaults(table, rows)
    names = [n for n in rows[0] if n not in leave_out]
    columns = [sa.column(n, (types or {}).get(n) or table.c[n].type) for n in names]
    return sa.values(*columns, name=name).data([tuple(r[n] for n in names) for r in rows])


def _typed(table: sa.Table, values: sa.Values, names=None) -> list:
    """The VALUES columns cast to their table's types: PostgreSQL types a column of NULLs as text otherwise."""
    return [sa.cast(values.c[n], table.c[n].type) for n in names or [c.name for c in values.columns]]


def _children(table: sa.Table, rows: list[dict], name: str, case: sa.CTE, *from_case: str):
    """INSERT INTO table (…) SELECT new_case.id, v.… FROM new_case JOIN (VALUES …) v ON true; `from_case` names
    the columns that take the new case's id."""
    values = _values(table, rows, name, leave_out=from_case)
    return sa.insert(table).from_select(
        [*from_case, *(c.name for c in values.columns)],
        sa.select(*[case.c.id for _ in from_case], *_typed(table, values)).select_from(case).join(values, sa.true()),
        include_defaults=False)


def _in_one_statement(session: Session, rows: NewCase) -> tuple[int, dict[str, int]]:
    case = sa.insert(CASE).values(rows.case).returning(CASE.c.id).cte("new_case")
    deadlines = _children(DEADLINE, rows.deadlines, "d_rows", case, "case_id") \
        .returning(DEADLINE.c.id, DEADLINE.c.kind).cte("new_deadline")
    ctes = [deadlines]
    if rows.reminders:
        kind = sa.String(40)
        values = _values(REMINDER, rows.reminders, "r_rows", leave_out=("case_id",), types={"deadline_id": kind})
        names = [c.name for c in values.columns if c.name != "deadline_id"]
        ctes.append(sa.insert(REMINDER).from_select(
            ["deadline_id", "case_id", *names],
            sa.select(deadlines.c.id, case.c.id, *_typed(REMINDER, values, names)).select_from(case)
            .join(deadlines, sa.true()).join(values, values.c.deadline_id == deadlines.c.kind),
            include_defaults=False).cte("new_reminder"))
    ctes.append(_children(PHASE, rows.phases, "p_rows", case, "case_id").cte("new_phase"))
    if rows.tasks:
        ctes.append(_children(TASK, rows.tasks, "t_rows", case, "case_id").cte("new_task"))
    ctes.append(_children(AUDIT, [rows.audit, *rows.more_audit], "a_rows", case, "case_id", "entity_id")
                .cte("new_audit"))
    result = session.execute(sa.select(case.c.id, deadlines.c.kind, deadlines.c.id)
                             .select_from(case).join(deadlines, sa.true()).add_cte(*ctes)).all()
    return result[0][0], {kind: deadline_id for _case, kind, deadline_id in result}
