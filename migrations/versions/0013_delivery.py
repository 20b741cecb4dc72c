"""Delivery status of outgoing messages: sent after the row is committed, once per attempt; Twilio's status
callbacks; bounded retries with backoff; failures raised to a person.

- outbox_message: + voice_url (what a call fetches, kept so the clock can place it later), attempts,
  next_attempt_at (when the clock hands it over: the first time or a retry), status_at, escalated_at (raised to
  a person: retries used up, or no answer from the provider), handled_at / handled_by_id (a person took it).

Revision ID: 0013_delivery
Revises: 0012_calls (the head of main when merged; the task named 0011_portal)
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_delivery"
down_revision = "0012_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("voice_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_outbox_message_handled_by", "app_user", ["handled_by_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_outbox_message_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index("ix_outbox_message_open_escalation", ["escalated_at", "handled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_index("ix_outbox_message_open_escalation")
        batch_op.drop_index(batch_op.f("ix_outbox_message_provider_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_next_attempt_at"))
        batch_op.drop_constraint("fk_outbox_message_handled_by", type_="foreignkey")
        for column in ("handled_by_id", "handled_at", "escalated_at", "status_at", "next_attempt_at", "attempts",
                       "voice_url"):
            batch_op.drop_column(column)
