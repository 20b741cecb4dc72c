"""Intake speed: two indexes every intake paid for and no query needs.

- ix_incident_case_status (status): ix_case_status_next_due (status, next_due_at) starts with the same column
  and serves every lookup by status.
- ix_reminder_deadline_id (deadline_id): the unique uq_reminder_slot (deadline_id, offset_label, recipient,
  for_due_at) starts with it and serves the lookups by deadline (and the foreign key's checks).

Revision ID: 0015_intake_speed
Revises: 0011_portal
"""
from alembic import op

revision = "0015_intake_speed"
down_revision = "0018_harden"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_incident_case_status", table_name="incident_case")
    op.drop_index("ix_reminder_deadline_id", table_name="reminder")


def downgrade() -> None:
    op.create_index("ix_reminder_deadline_id", "reminder", ["deadline_id"], unique=False)
    op.create_index("ix_incident_case_status", "incident_case", ["status"], unique=False)
