"""vendors and dispatch: vendor, vendor_contact, dispatch, dispatch_attempt

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("hours", sa.String(length=10), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("escalation_rank", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours in ('24x7','business')", name="ck_vendor_hours"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vendor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_name"), ["name"], unique=True)

    op.create_table(
        "vendor_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vendor_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_contact_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "dispatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_vendor_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("capability", sa.String(length=40), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=False),
        sa.Column("step_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("warnings_overridden", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending','accepted','declined','escalated','expired')",
                           name="ck_dispatch_status"),
        sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["requested_vendor_id"], ["vendor.id"]),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispatch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "dispatch_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("answered_via", sa.String(length=20), nullable=True),
        sa.Column("late_answer", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["dispatch_id"], ["dispatch.id"]),
        sa.ForeignKeyConstraint(["vendor_id"], ["vendor.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dispatch_id", "step", name="uq_dispatch_attempt_step"),
    )
    with op.batch_alter_table("dispatch_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_attempt_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_attempt_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatch_attempt_dispatch_id"), ["dispatch_id"], unique=False)


def downgrade() -> None:
    op.drop_table("dispatch_attempt")
    op.drop_table("dispatch")
    op.drop_table("vendor_contact")
    op.drop_table("vendor")
