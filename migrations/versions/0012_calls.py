"""The phone line (issue 10): calls, the duty roster, warnings of windows with nobody on duty; an organisation's
main number.

- phone_call: one row per incoming call from the moment it rings (Twilio CallSid), what its number matched, the
  menu choice, who was rung and who answered, the duration, the call-back of a missed call.
- roster_entry: who is on duty, JST windows on weekdays, in an order.
- roster_warning: a coming window with nobody on duty, warned about once.
- organization.phone: the main number (E.164), matched like every other stored phone.

Revision ID: 0012_calls
Revises: 0014_case_search
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_calls"
down_revision = "0014_case_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("roster_warning",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("gap_starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("gap_ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("warned_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("gap_starts_at")
    )
    op.create_table("roster_entry",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("weekdays", sa.String(length=7), nullable=False),
    sa.Column("starts", sa.Time(), nullable=False),
    sa.Column("ends", sa.Time(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("position >= 0", name="ck_roster_position"),
    sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("roster_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_entry_user_id"), ["user_id"], unique=False)

    op.create_table("phone_call",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("sid", sa.String(length=64), nullable=False),
    sa.Column("from_number", sa.String(length=64), nullable=False),
    sa.Column("from_e164", sa.String(length=16), nullable=True),
    sa.Column("to_number", sa.String(length=64), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("language", sa.String(length=2), nullable=False),
    sa.Column("choice", sa.String(length=12), nullable=True),
    sa.Column("organization_ids", sa.JSON(), nullable=False),
    sa.Column("case_ids", sa.JSON(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.Column("roster_step", sa.Integer(), nullable=False),
    sa.Column("ringing_user_id", sa.Integer(), nullable=True),
    sa.Column("answered_by_id", sa.Integer(), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("duration_seconds", sa.Integer(), nullable=True),
    sa.Column("called_back_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("called_back_by_id", sa.Integer(), nullable=True),
    sa.Column("callback_alerted_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("language in ('ja','en')", name="ck_phone_call_language"),
    sa.CheckConstraint("status in ('ringing','connecting','answered','missed','abandoned')", name="ck_phone_call_status"),
    sa.ForeignKeyConstraint(["answered_by_id"], ["app_user.id"], ),
    sa.ForeignKeyConstraint(["called_back_by_id"], ["app_user.id"], ),
    sa.ForeignKeyConstraint(["case_id"], ["incident_case.id"], ),
    sa.ForeignKeyConstraint(["ringing_user_id"], ["app_user.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("sid")
    )
    with op.batch_alter_table("phone_call", schema=None) as batch_op:
        batch_op.create_index("ix_phone_call_callback", ["status", "called_back_at", "callback_alerted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_call_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_call_from_e164"), ["from_e164"], unique=False)
        batch_op.create_index("ix_phone_call_started", ["started_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_call_status"), ["status"], unique=False)

    # Plain ALTER TABLE (no batch copy on SQLite): the organisation table keeps its search triggers (0014).
    op.add_column("organization", sa.Column("phone", sa.String(length=20), nullable=True))



def downgrade() -> None:
    op.drop_column("organization", "phone")  # SQLite 3.35+ drops a column in place, keeping the triggers

    with op.batch_alter_table("phone_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_call_status"))
        batch_op.drop_index("ix_phone_call_started")
        batch_op.drop_index(batch_op.f("ix_phone_call_from_e164"))
        batch_op.drop_index(batch_op.f("ix_phone_call_case_id"))
        batch_op.drop_index("ix_phone_call_callback")

    op.drop_table("phone_call")
    with op.batch_alter_table("roster_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_entry_user_id"))

    op.drop_table("roster_entry")
    op.drop_table("roster_warning")
