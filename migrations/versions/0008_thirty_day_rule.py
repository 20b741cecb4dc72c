"""The insurer-notice deadline of a case whose product has no 30-day rule becomes not_applicable.

Until this revision the insurer-notice deadline was computed with a hard-coded 30-day window for every case,
so a case on a product whose data file has no `thirty_day_rule` (sj-cyber-2018) carries an
`insurer_emergency_notice` row that is met or missed. The rule now reads its window from the product
(workflows/thirty_day.py). This brings the existing rows in line, each with the timeline entry a
recomputation would write. The products are read from their data files as they are when it runs (data, not
app code); the row values are those the rule gives a product without the rule.

Revision ID: 0008_thirty_day_rule
Revises: 0007
"""
import datetime as dt
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0008_thirty_day_rule"
down_revision = "0007"
branch_labels = None
depends_on = None

PRODUCTS = Path(__file__).resolve().parents[2] / "hotline" / "products" / "data"
KIND = "insurer_emergency_notice"

case = sa.table("incident_case", sa.column("id", sa.Integer), sa.column("policy_id", sa.Integer))
policy = sa.table("policy", sa.column("id", sa.Integer), sa.column("product", sa.String))
deadline = sa.table("deadline", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                    sa.column("kind", sa.String), sa.column("status", sa.String),
                    sa.column("due_at", sa.DateTime(timezone=True)), sa.column("last_day", sa.Date),
                    sa.column("starts_at", sa.DateTime(timezone=True)), sa.column("met_at", sa.DateTime(timezone=True)),
                    sa.column("rule", sa.Text), sa.column("updated_at", sa.DateTime(timezone=True)))
reminder = sa.table("reminder", sa.column("deadline_id", sa.Integer), sa.column("status", sa.String),
                    sa.column("claimed_at", sa.DateTime(timezone=True)))
audit = sa.table("audit_event", sa.column("at", sa.DateTime(timezone=True)), sa.column("actor", sa.String),
                 sa.column("case_id", sa.Integer), sa.column("entity", sa.String), sa.column("entity_id", sa.Integer),
                 sa.column("kind", sa.String), sa.column("summary", sa.Text), sa.column("summary_ja", sa.Text),
                 sa.column("field", sa.String), sa.column("old", sa.Text), sa.column("new", sa.Text))


def _products_without_the_rule() -> list[str]:
    out = []
    for path in sorted(PRODUCTS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data.get("thirty_day_rule") is None:
            out.append(data["code"])
    return out


def upgrade() -> None:
    codes = _products_without_the_rule()
    if not codes:
        return
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(deadline.c.id, deadline.c.case_id, deadline.c.status, deadline.c.last_day, policy.c.product)
        .select_from(deadline.join(case, case.c.id == deadline.c.case_id).join(policy, policy.c.id == case.c.policy_id))
        .where(deadline.c.kind == KIND, deadline.c.status != "not_applicable", policy.c.product.in_(codes))).all()
    now = dt.datetime.now(dt.UTC)
    for deadline_id, case_id, status, last_day, product in rows:
        why = f"the policy's product ({product}) has no 30-day notice rule for emergency-response costs"
        bind.execute(sa.update(deadline).where(deadline.c.id == deadline_id).values(
            status="not_applicable", due_at=None, last_day=None, starts_at=None, met_at=None,
            rule=f"Not applicable: {why}.", updated_at=now))
        bind.execute(sa.delete(reminder).where(reminder.c.deadline_id == deadline_id, reminder.c.status == "pending",
                                               reminder.c.claimed_at.is_(None)))
        old = f"{status}, last day {last_day.isoformat()}" if last_day else status
        bind.execute(sa.insert(audit).values(
            at=now, actor="system", case_id=case_id, entity="deadline", entity_id=deadline_id,
            kind="deadline_changed", field=KIND, old=old, new="not_applicable",
            summary=f"Notice to the insurer (30-day rule): {old} → not_applicable ({why})",
            summary_ja=f"保険会社への事故連絡（30日ルール）：契約の保険商品（{product}）には30日ルールがないため対象外に変更"))


def downgrade() -> None:
    # Nothing to restore: the old rows were wrong, and the next recomputation of those cases at the old
    # revision would write them again.
    pass
