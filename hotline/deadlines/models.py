"""Deadline rows (one per case and kind) and reminder rows (one per deadline, offset and recipient)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class Deadline(SQLModel, table=True):
    __tablename__ = "deadline"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "kind", name="uq_deadline_case_kind"),
        sa.CheckConstraint("status in ('open','met','missed','not_applicable')", name="ck_deadline_status"),
        sa.Index("ix_deadline_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id")
    kind: str = Field(sa_type=sa.String(40))
    status: str = Field(default="open", sa_type=sa.String(20))
    due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # first late instant
    last_day: dt.date | None = Field(default=None)  # JST calendar day, day-based rules only
    starts_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # the instant the clock started
    met_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The rule's words are not stored: deadlines.service.rules_of derives them from the facts, in any language.
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Reminder(SQLModel, table=True):
    """A message due at `send_at` = the deadline's due_at minus an offset.

    pending → sent (by the clock, exactly once: `claimed_at` is set by the one process that wins it) or
    skipped (found too late, beyond REMINDER_GRACE, with the reason). Pending rows of a deadline that moves
    or stops being open are deleted and replaced; sent and skipped rows stay as history.
    """
    __tablename__ = "reminder"
    __table_args__ = (
        sa.UniqueConstraint("deadline_id", "offset_label", "recipient", "for_due_at", name="uq_reminder_slot"),
        sa.CheckConstraint("status in ('pending','sent','skipped')", name="ck_reminder_status"),
        sa.Index("ix_reminder_status_send", "status", "send_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id")  # indexed by uq_reminder_slot, which starts with it
    case_id: int = Field(foreign_key="incident_case.id", index=True)
    offset_label: str = Field(sa_type=sa.String(10))  # "7d", "4h"
    for_due_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # the due_at it was computed for
    send_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    channel: str = Field(default="sms", sa_type=sa.String(10))
    recipient: str = Field(sa_type=sa.String(30))  # E.164
    recipient_role: str = Field(sa_type=sa.String(20))  # coordinator | contact
    status: str = Field(default="pending", sa_type=sa.String(10))
    claimed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    outbox_id: int | None = Field(default=None)  # outbox_message.id of the message sent
    reason: str | None = Field(default=None, sa_type=sa.Text)  # why it was skipped
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
