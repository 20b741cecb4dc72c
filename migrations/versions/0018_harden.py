"""Hardening (issue 14): internal timeline entries, idempotency keys, and consents that insureds recorded.

- audit_event.internal: an entry for the hotline's staff only. A plain ADD COLUMN (no batch copy on SQLite), so
  the append-only triggers stay in place; older rows keep NULL and are read by their kind.
- idempotency_key: the first answer to a creating POST sent with an `Idempotency-Key` header, per user and key.
- cost_line: a consent reference whose last recording was by an insured is cleared (only the hotline records
  the insurer's consent), with a timeline entry saying so.

Revision ID: 0018_harden
Revises: 0011_portal
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0018_harden"
down_revision = "0017_coverage_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("internal", sa.Boolean(), nullable=True))
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),
    )
    with op.batch_alter_table("idempotency_key") as batch_op:
        batch_op.create_index("ix_idempotency_key_created_at", ["created_at"], unique=False)
    _clear_insureds_consents()


def _clear_insureds_consents() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT c.id, c.case_id, c.consent_ref FROM cost_line c WHERE c.consent_ref IS NOT NULL AND ("
        " SELECT u.role FROM audit_event e JOIN app_user u ON u.id = e.actor_id"
        " WHERE e.entity = 'cost_line' AND e.entity_id = c.id AND e.kind = 'consent_recorded'"
        " ORDER BY e.id DESC LIMIT 1) = 'insured'")).all()
    if not rows:
        return
    now = dt.datetime.now(dt.timezone.utc)
    ids = [r.id for r in rows]
    conn.execute(sa.text("UPDATE cost_line SET consent_ref = NULL, consent_on = NULL WHERE id IN :ids")
                 .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
    audit = sa.table("audit_event", sa.column("at", sa.DateTime(timezone=True)), sa.column("actor", sa.String),
                     sa.column("case_id", sa.Integer), sa.column("entity", sa.String),
                     sa.column("entity_id", sa.Integer), sa.column("kind", sa.String), sa.column("params", sa.JSON),
                     sa.column("field", sa.String), sa.column("old", sa.Text), sa.column("new", sa.Text),
                     sa.column("internal", sa.Boolean))
    at = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
    op.bulk_insert(audit, [{"at": at, "actor": "system", "case_id": r.case_id, "entity": "cost_line",
                            "entity_id": r.id, "kind": "cost_changed", "params": {"line": r.id},
                            "field": "consent_ref", "old": r.consent_ref, "new": None, "internal": False}
                           for r in rows])


def downgrade() -> None:
    op.drop_table("idempotency_key")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("internal")
