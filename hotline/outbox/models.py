"""Every message the app sends or queues, whichever adapter delivers it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from workflows.text import N_


class OutboxMessage(SQLModel, table=True):
    """One message. With the outbox adapter it is only kept here (queued). With a provider (Twilio, SMTP) it is
    committed first (pending), then handed over once per attempt (hotline/outbox/delivery.py): claimed as
    `sending` in a committed update before the provider is called, so a crash never sends it twice."""
    __tablename__ = "outbox_message"
    __table_args__ = (sa.CheckConstraint("channel in ('sms','voice','email')", name="ck_outbox_channel"),
                      sa.Index("ix_outbox_message_open_escalation", "escalated_at", "handled_at"))

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(10))
    to: str = Field(sa_type=sa.String(254))
    subject: str | None = Field(default=None, sa_type=sa.String(200))  # e-mail only
    body: str = Field(sa_type=sa.Text)
    # queued (kept in the outbox only); pending (waiting to be handed over), sending (being handed over), sent
    # (the provider has it), delivered, undelivered, failed (the provider's last word, or its refusal)
    status: str = Field(default="queued", sa_type=sa.String(20))  # one of STATUS_WORDS
    adapter: str = Field(default="outbox", sa_type=sa.String(20))
    provider_id: str | None = Field(default=None, sa_type=sa.String(64), index=True)  # Twilio's SM… / CA… sid
    error: str | None = Field(default=None, sa_type=sa.Text)
    voice_url: str | None = Field(default=None, sa_type=sa.Text)  # a call: where Twilio fetches its TwiML
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # times handed to the provider
    next_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)  # the clock's
    status_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the status last changed
    escalated_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # raised to a person
    handled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # and a person took it
    handled_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    case_id: int | None = Field(default=None, foreign_key="incident_case.id", index=True)
    # What produced it, e.g. "reminder:42" or "dispatch:7", so a sender can be traced and de-duplicated.
    source: str | None = Field(default=None, sa_type=sa.String(60), index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


STATUS_WORDS = {"queued": N_("queued"), "pending": N_("waiting to be sent"), "sending": N_("being sent"),
                "sent": N_("sent"), "delivered": N_("delivered"), "undelivered": N_("undelivered"),
                "failed": N_("failed")}  # the Outbox page shows them translated
CHANNEL_WORDS = {"sms": N_("SMS"), "voice": N_("Voice call"), "email": N_("E-mail")}
