"""Writing a new case with every row that comes with it, set-based: one statement per table on SQLite, and one
statement in all on PostgreSQL (data-modifying CTEs: the case, then its children from the case's new id, each
table's rows passed as one JSON parameter, so the statement is the same text every time).

Intake computes every row first (cases.service.open_case); this module only writes them. Children are given
without case_id; reminders name their deadline by `deadline_id` = the deadline's kind, as the deadline rows do
not exist yet when they are planned.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
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


def _columns(table: sa.Table, *leave_out: str) -> list[sa.Column]:
    return [c for c in table.c if not c.primary_key and c.name not in leave_out]


def _recordset(name: str, columns: list, *extra: sa.ColumnClause):
    """jsonb_to_recordset(CAST(:name AS JSONB)) AS name(column type, …): a child table's rows as one JSON parameter,
    so the statement's text is the same for any number of rows (compiled once, prepared by the server)."""
    rows = sa.func.jsonb_to_recordset(sa.cast(sa.bindparam(name, type_=sa.Text), JSONB))
    return rows.table_valued(*[sa.column(c.name, c.type) for c in columns], *extra) \
        .render_derived(name=name, with_types=True)


def _children(table: sa.Table, name: str, case: sa.CTE, *from_case: str):
    """INSERT INTO table (…) SELECT new_case.id, rows.… FROM new_case JOIN jsonb_to_recordset(…) rows ON true;
    `from_case` names the columns that take the new case's id."""
    columns = _columns(table, *from_case)
    rows = _recordset(name, columns)
    return sa.insert(table).from_select(
        [*from_case, *(c.name for c in columns)],
        sa.select(*[case.c.id for _ in from_case], *rows.c).select_from(case).join(rows, sa.true()),
        include_defaults=False)


@cache
def _one_statement() -> sa.Select:
    """The case, then its deadlines, reminders (joined to their deadline by kind), phases, tasks and audit entry,
    each from the new case's id; selects the case id and {kind: deadline id}. Built once."""
    case = sa.insert(CASE).values({c.name: sa.bindparam(f"case_{c.name}", type_=c.type) for c in _columns(CASE)}) \
        .returning(CASE.c.id).cte("new_case")
    deadlines = _children(DEADLINE, "deadline_rows", case, "case_id") \
        .returning(DEADLINE.c.id, DEADLINE.c.kind).cte("new_deadline")
    columns = _columns(REMINDER, "case_id", "deadline_id")
    rows = _recordset("reminder_rows", columns, sa.column("deadline_kind", sa.String(40)))
    reminders = sa.insert(REMINDER).from_select(
        ["deadline_id", "case_id", *(c.name for c in columns)],
        sa.select(deadlines.c.id, case.c.id, *[rows.c[c.name] for c in columns]).select_from(case)
        .join(deadlines, sa.true()).join(rows, rows.c.deadline_kind == deadlines.c.kind),
        include_defaults=False).cte("new_reminder")
    ctes = [deadlines, reminders, _children(PHASE, "phase_rows", case, "case_id").cte("new_phase"),
            _children(TASK, "task_rows", case, "case_id").cte("new_task"),
            _children(AUDIT, "audit_rows", case, "case_id", "entity_id").cte("new_audit")]
    return sa.select(case.c.id, deadlines.c.kind, deadlines.c.id).select_from(case).join(deadlines, sa.true()) \
        .add_cte(*ctes)


def _instant(value):
    if isinstance(value, dt.datetime) and value.utcoffset() is None:
        raise ValueError("naive datetime refused: an instant needs an offset")
    return value.isoformat()


def _json(table: sa.Table, rows: list[dict], *from_case: str, **renamed: str) -> str:
    """Rows as the JSON array `_recordset` reads: every column (defaults filled in), instants in ISO 8601 with
    their offset, dates as YYYY-MM-DD; `renamed`: {row key: name in the JSON}."""
    names = [c.name for c in _columns(table, *from_case)]
    return json.dumps([{**{n: r.get(n) for n in names}, **{new: r[old] for old, new in renamed.items()}}
                       for r in _defaults(table, rows)] if rows else [], default=_instant, ensure_ascii=False)


def _in_one_statement(session: Session, rows: NewCase) -> tuple[int, dict[str, int]]:
    params = {f"case_{c.name}": rows.case.get(c.name) for c in _columns(CASE)}
    params.update(deadline_rows=_json(DEADLINE, rows.deadlines, "case_id"),
                  reminder_rows=_json(REMINDER, rows.reminders, "case_id", "deadline_id", deadline_id="deadline_kind"),
                  phase_rows=_json(PHASE, rows.phases, "case_id"), task_rows=_json(TASK, rows.tasks, "case_id"),
                  audit_rows=_json(AUDIT, [rows.audit, *rows.more_audit], "case_id", "entity_id"))
    result = session.execute(_one_statement(), params).all()
    return result[0][0], {kind: deadline_id for _case, kind, deadline_id in result}
