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
    # Plain ADD COLUMN (SQLite too): no rebuild of a table that may hold many messages.
    op.add_column("outbox_message", sa.Column("voice_url", sa.Text(), nullable=True))
    op.add_column("outbox_message", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    for column in ("next_attempt_at", "status_at", "escalated_at", "handled_at"):
        op.add_column("outbox_message", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column's reference only written inline
        op.execute("ALTER TABLE outbox_message ADD COLUMN handled_by_id INTEGER REFERENCES app_user (id)")
    else:
        op.add_column("outbox_message", sa.Column("handled_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_outbox_message_handled_by", "outbox_message", "app_user", ["handled_by_id"], ["id"])
    op.create_index("ix_outbox_message_next_attempt_at", "outbox_message", ["next_attempt_at"])
    op.create_index("ix_outbox_message_provider_id", "outbox_message", ["provider_id"])
    op.create_index("ix_outbox_message_open_escalation", "outbox_message", ["escalated_at", "handled_at"])


def downgrade() -> None:
    for index in ("ix_outbox_message_open_escalation", "ix_outbox_message_provider_id",
                  "ix_outbox_message_next_attempt_at"):
        op.drop_index(index, table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch_op:
        for column in ("handled_by_id", "handled_at", "escalated_at", "status_at", "next_attempt_at", "attempts",
                       "voice_url"):
            batch_op.drop_column(column)
