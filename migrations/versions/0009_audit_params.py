"""Store what happened, not sentences: the audit log keeps each event's parameters, rendered when read.

- audit_event: + params (JSON). Every row's parameters are derived from what the row holds (field, old, new,
  its English summary, the rows it names); a row whose sentence cannot be taken apart keeps its two old
  sentences as params["legacy"] = {"en", "ja"} of the same kind, so nothing is lost. An overdue-task
  reminder's old sentence named the recipient's phone or e-mail (which the case's insured read): it is
  always taken apart, and the address is not kept. Then summary and summary_ja go.
- deadline: - rule (its words are derived from the case's facts when read, in the reader's language).
- case_task: title_en, title_ja → title (as typed, or the template's English title; a generated task reads
  its template's title in the reader's language). A typed task with two different titles keeps both.
- app_user: + language (ja | en | null: not chosen). incident_case: + contact_language (ja | en, default ja).

The append-only triggers of audit_event are lifted for the rewrite and put back. The msgids below are those of
the code at this revision, written out: a migration does not import the app.

Revision ID: 0009_audit_params
Revises: 0008_thirty_day_rule
"""
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0009_audit_params"
down_revision = "0008_thirty_day_rule"
branch_labels = None
depends_on = None

PRODUCTS = Path(__file__).resolve().parents[2] / "hotline" / "products" / "data"
TOKYO = ZoneInfo("Asia/Tokyo")

audit = sa.table("audit_event", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                 sa.column("entity", sa.String), sa.column("entity_id", sa.Integer), sa.column("case_id", sa.Integer),
                 sa.column("field", sa.String), sa.column("old", sa.Text), sa.column("new", sa.Text),
                 sa.column("summary", sa.Text), sa.column("summary_ja", sa.Text), sa.column("params", sa.JSON))
task = sa.table("case_task", sa.column("id", sa.Integer), sa.column("phase_key", sa.String),
                sa.column("template_key", sa.String), sa.column("title_en", sa.String),
                sa.column("title_ja", sa.String), sa.column("title", sa.String), sa.column("due_at", sa.DateTime))
cost = sa.table("cost_line", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                sa.column("category", sa.String))
case = sa.table("incident_case", sa.column("id", sa.Integer), sa.column("policy_id", sa.Integer))
policy = sa.table("policy", sa.column("id", sa.Integer), sa.column("product", sa.String))
dispatch = sa.table("dispatch", sa.column("id", sa.Integer), sa.column("capability", sa.String),
                    sa.column("brief", sa.Text))

YEN = r"¥[\d,]+"
LABEL = "%(number)s %(name)s"
DESCRIBE = "%(category)s %(amount)s (arose %(day)s, line %(line)s)"


def _text(msgid: str, **params) -> dict:
    return {"msgid": msgid, "params": params}


def _categories() -> dict[tuple[str, str], dict]:
    """(product, category code) → the category's label as the code stores it (a Text as JSON)."""
    out = {}
    for path in sorted(PRODUCTS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for c in data.get("categories", []):
            name = c.get("name") or c.get("name_en") or c["code"]
            out[(data["code"], c["code"])] = _text(LABEL, number=c["number"], name=_text(name))
    return out


class _Rows:
    """What a row's parameters may be derived from besides itself: its cost line, task and dispatch."""

    def __init__(self, bind):
        self.categories = _categories()
        self.costs = {i: self.categories.get((product, category), category) for i, category, product in bind.execute(
            sa.select(cost.c.id, cost.c.category, policy.c.product)
            .select_from(cost.join(case, case.c.id == cost.c.case_id).join(policy, policy.c.id == case.c.policy_id)))}
        self.tasks = {r.id: r for r in bind.execute(sa.select(task.c.id, task.c.phase_key, task.c.title_en,
                                                              task.c.due_at))}
        self.dispatches = {r.id: r for r in bind.execute(sa.select(dispatch.c.id, dispatch.c.capability,
                                                                   dispatch.c.brief))}


def _jst(text: str) -> dict:
    return {"instant": dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TOKYO).isoformat()}


def _cost(rows: _Rows, line_id: int | None, described: str) -> dict | None:
    m = re.fullmatch(rf"(.+) ({YEN}) \(arose (\d{{4}}-\d\d-\d\d), line (\d+)\)", described)
    if m is None:
        return None
    category = rows.costs.get(int(m.group(4)), m.group(1))
    return _text(DESCRIBE, category=category, amount=m.group(2), day=m.group(3), line=int(m.group(4)))


def derive(row, rows: _Rows) -> dict | None:
    """The parameters the code of this revision records for the row's kind, or None when the row does not
    allow them (its sentences are then kept as legacy)."""
    s, kind = row.summary or "", row.kind
    if kind in ("note_added", "call_logged"):
        return {"text": s}
    if kind in ("fact_changed", "deadline_changed", "phase_started", "phase_completed", "case_closed"):
        return {}
    if kind == "case_opened":
        m = re.fullmatch(r"Case (\S+) opened on policy (.+?)( \(discovered outside the policy period\))?", s)
        return m and {"reference": m.group(1), "policy": m.group(2), **({"outside": True} if m.group(3) else {})}
    if kind == "deadline_met":
        return {"late": True} if s.endswith(" (late)") else {}
    if kind == "deadline_missed":
        m = re.search(r" was due (\d{4}-\d\d-\d\d \d\d:\d\d) JST and is not met$", s)
        return m and {"due_at": _jst(m.group(1))}
    if kind == "reminder_sent" and row.entity == "reminder":
        m = re.fullmatch(r"Reminder \((\S+) before\) for .+ sent to the \w+ by (\S+) \((\S+)\)", s)
        return m and {"offset": m.group(1), "adapter": m.group(2), "status": m.group(3)}
    if kind == "reminder_sent" and row.entity == "case_task":  # never keep the address the old sentence named
        t = rows.tasks.get(row.entity_id)
        title = t.title_en if t else s.rpartition(": ")[2]
        return {"phase": t.phase_key if t else "", "title": title,
                **({"sent": True} if s.startswith("Overdue task reminder sent") else {})}
    if kind in ("task_added", "task_done"):
        t = rows.tasks.get(row.entity_id)
        if t is None:
            return None
        out = {"phase": t.phase_key, "title": t.title_en}
        if kind == "task_added" and t.due_at is not None:
            due = t.due_at if t.due_at.tzinfo else t.due_at.replace(tzinfo=dt.UTC)
            out["due_at"] = {"instant": due.isoformat()}
        return out
    if kind == "phase_skipped":
        m = re.fullmatch(r"Phase skipped: [^(]+ \((.*)\)", s, re.S)
        return m and {"reason": m.group(1)}
    if kind in ("cost_recorded", "cost_removed"):
        m = re.fullmatch(r"Cost (?:recorded|removed): (.+)", s)
        described = m and _cost(rows, row.entity_id, m.group(1))
        return described and {"cost": described}
    if kind == "cost_changed" or (kind == "consent_recorded" and s.startswith("Cost line ")):
        return {"line": row.entity_id}
    if kind == "consent_recorded":
        m = re.fullmatch(r"Consent .+ recorded for line (\d+)", s)
        if m:
            return {"line": int(m.group(1))}
        m = re.fullmatch(r"Insurer's written consent .+ of (\d{4}-\d\d-\d\d) recorded for (.+)", s)
        described = m and _cost(rows, row.entity_id, m.group(2))
        return described and {"on": {"day": m.group(1)}, "cost": described}
    if kind == "vendor_dispatched":
        d = rows.dispatches.get(row.entity_id)
        m = re.match(r"(.+?) dispatched for ", s)
        return (d and m) and {"vendor": m.group(1), "capability": d.capability, "brief": (d.brief or "")[:200]}
    if kind == "warnings_overridden" and s.startswith("Dispatched despite: "):
        return {"warnings": s.removeprefix("Dispatched despite: ").split(" | ")}
    if kind == "vendor_notified":
        m = re.fullmatch(r"(.+): (.+) notified by SMS( and voice)?, step (\d+) of (\d+)", s)
        return m and {"vendor": m.group(1), "contact": m.group(2), **({"voice": True} if m.group(3) else {}),
                      "step": int(m.group(4)), "steps": int(m.group(5))}
    if kind == "dispatch_expired":
        m = re.fullmatch(r"Withdrawn by the coordinator(?:: (.*))?", s, re.S)
        if m:
            return {"withdrawn": True, **({"note": m.group(1)} if m.group(1) else {})}
        m = re.fullmatch(r"No vendor accepted: (.+) (declined|did not answer) and nobody is left in the chain", s)
        return m and {"vendor": m.group(1), **({"declined": True} if m.group(2) == "declined" else {})}
    if kind == "dispatch_released":
        m = re.fullmatch(r"(.+): work finished, released(?:: (.*))?", s, re.S)
        return m and {"vendor": m.group(1), **({"note": m.group(2)} if m.group(2) else {})}
    if kind == "organization_created":
        m = re.fullmatch(r"Organisation (.+) created", s)
        return m and {"name": m.group(1)}
    if kind == "policy_created":
        m = re.fullmatch(r"Policy (.+) \((\S+) plan (\S+)\) created", s)
        return m and {"number": m.group(1), "product": m.group(2), "plan": m.group(3)}
    if kind == "user_created":
        m = re.fullmatch(r"User (\S+) created with role (\w+)", s)
        return m and {"email": m.group(1), "role": m.group(2)}
    if kind in ("user_changed", "password_changed"):
        m = re.match(r"(\S+): ", s)
        return m and {"email": m.group(1)}
    return None  # dispatch_escalated, vendor_accepted/declined, late answers, vendor changes: kept as they read


def _audit_triggers(enable: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        if enable:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                           "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
        else:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}")
    else:
        op.execute(f"ALTER TABLE audit_event {'ENABLE' if enable else 'DISABLE'} TRIGGER audit_event_append_only")


def _add_checked_column(table: str, column: sa.Column, name: str, check: str) -> None:
    """A column with a named CHECK, without copying the table on SQLite (it cannot add a constraint later)."""
    if op.get_bind().dialect.name == "sqlite":
        ddl = sa.schema.CreateColumn(column).compile(dialect=op.get_bind().dialect)
        op.execute(f"ALTER TABLE {table} ADD COLUMN {ddl} CONSTRAINT {name} CHECK ({check})")
    else:
        op.add_column(table, column)
        op.create_check_constraint(name, table, check)


def upgrade() -> None:
    bind = op.get_bind()
    # NOT NULL with a default: added in place on both databases (SQLite cannot alter a column later), then filled.
    op.add_column("audit_event", sa.Column("params", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column("case_task", sa.Column("title", sa.String(length=300), nullable=False, server_default=""))
    rows = _Rows(bind)

    _audit_triggers(enable=False)
    updates = []
    for row in bind.execute(sa.select(audit.c.id, audit.c.kind, audit.c.entity, audit.c.entity_id, audit.c.summary,
                                      audit.c.summary_ja)):
        params = derive(row, rows)
        if params is None:
            params = {"legacy": {"en": row.summary or "", "ja": row.summary_ja or row.summary or ""}}
        updates.append({"row_id": row.id, "p": params})
        if len(updates) >= 1000:
            bind.execute(sa.update(audit).where(audit.c.id == sa.bindparam("row_id")).values(params=sa.bindparam("p")),
                         updates)
            updates = []
    if updates:
        bind.execute(sa.update(audit).where(audit.c.id == sa.bindparam("row_id")).values(params=sa.bindparam("p")),
                     updates)
    _audit_triggers(enable=True)

    bind.execute(sa.update(task).values(title=sa.case(
        (sa.and_(task.c.template_key.is_(None), task.c.title_ja != task.c.title_en),
         task.c.title_en + " / " + task.c.title_ja), else_=task.c.title_en)))
    for table, column in (("audit_event", "summary"), ("audit_event", "summary_ja"), ("deadline", "rule"),
                          ("case_task", "title_en"), ("case_task", "title_ja")):
        op.drop_column(table, column)
    _add_checked_column("app_user", sa.Column("language", sa.String(length=2), nullable=True), "ck_user_language",
                        "language is null or language in ('ja','en')")
    _add_checked_column("incident_case", sa.Column("contact_language", sa.String(length=2), nullable=False,
                                                   server_default="ja"),
                        "ck_case_contact_language", "contact_language in ('ja','en')")


def downgrade() -> None:
    """Back to sentences: the English and Japanese of a row are its legacy texts where it has them, its kind
    otherwise (the code of the older revision reads only summary and summary_ja)."""
    bind = op.get_bind()
    for table, column in (("incident_case", "contact_language"), ("app_user", "language")):
        if bind.dialect.name != "sqlite":
            op.drop_constraint(f"ck_{'case_contact' if table == 'incident_case' else 'user'}_language", table,
                               type_="check")
        op.drop_column(table, column)
    op.add_column("audit_event", sa.Column("summary", sa.Text(), nullable=False, server_default=""))
    op.add_column("audit_event", sa.Column("summary_ja", sa.Text(), nullable=True))
    op.add_column("deadline", sa.Column("rule", sa.Text(), nullable=False, server_default=""))
    op.add_column("case_task", sa.Column("title_en", sa.String(length=300), nullable=False, server_default=""))
    op.add_column("case_task", sa.Column("title_ja", sa.String(length=300), nullable=False, server_default=""))
    bind.execute(sa.update(task).values(title_en=task.c.title, title_ja=task.c.title))
    _audit_triggers(enable=False)
    for row in bind.execute(sa.select(audit.c.id, audit.c.kind, audit.c.params)).all():
        legacy = (row.params or {}).get("legacy") or {}
        bind.execute(sa.update(audit).where(audit.c.id == row.id).values(
            summary=legacy.get("en") or (row.params or {}).get("text") or row.kind, summary_ja=legacy.get("ja")))
    _audit_triggers(enable=True)
    op.drop_column("audit_event", "params")
    op.drop_column("case_task", "title")
