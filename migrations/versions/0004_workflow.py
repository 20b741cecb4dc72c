"""workflow: phase state per case and the task checklist

Revision ID: 0004
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status in ('not_started','active','done','skipped')", name="ck_case_phase_status"),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "key", name="uq_case_phase_key"),
    )
    with op.batch_alter_table("case_phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_phase_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("phase_key", sa.String(length=30), nullable=False),
        sa.Column("template_key", sa.String(length=60), nullable=True),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("title_ja", sa.String(length=300), nullable=False),
        sa.Column("owner_role", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("cost_category", sa.String(length=60), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('open','done')", name="ck_case_task_status"),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.ForeignKeyConstraint(["done_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "phase_key", "template_key", name="uq_case_task_template"),
    )
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_task_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_task_due", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.drop_index("ix_case_task_due")
        batch_op.drop_index(batch_op.f("ix_case_task_case_id"))
    op.drop_table("case_task")
    with op.batch_alter_table("case_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_phase_case_id"))
    op.drop_table("case_phase")
