"""Every message the app sends or queues, whichever adapter delivers it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from workflows.text import N_


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.CheckConstraint("channel in ('sms','voice','email')", name="ck_outbox_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(10))
    to: str = Field(sa_type=sa.String(254))
    subject: str | None = Field(default=None, sa_type=sa.String(200))  # e-mail only
    body: str = Field(sa_type=sa.Text)
    # queued (kept in the outbox only), sent (handed to the provider), failed
    status: str = Field(default="queued", sa_type=sa.String(20))  # one of STATUS_WORDS
    adapter: str = Field(default="outbox", sa_type=sa.String(20))
    provider_id: str | None = Field(default=None, sa_type=sa.String(64))  # e.g. Twilio's SM… / CA… sid
    error: str | None = Field(default=None, sa_type=sa.Text)
    case_id: int | None = Field(default=None, foreign_key="incident_case.id", index=True)
    # What produced it, e.g. "reminder:42" or "dispatch:7", so a sender can be traced and de-duplicated.
    source: str | None = Field(default=None, sa_type=sa.String(60), index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


STATUS_WORDS = (N_("queued"), N_("sent"), N_("failed"))  # the Outbox page shows them translated
CHANNEL_WORDS = {"sms": N_("SMS"), "voice": N_("Voice call"), "email": N_("E-mail")}
