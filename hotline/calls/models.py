"""Calls and the duty roster.

- phone_call: one row per incoming call, written the moment it rings (Twilio's CallSid, from, to, the ring instant),
  with what the calling number matched then (organisations, open cases), the caller's path through the menu,
  who answered and for how long, and the call-back of a missed call.
- roster_entry: who is on duty and when: a window of JST times on some weekdays, and an order (position).
- roster_warning: a coming window with nobody on duty, warned about once.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow

# ringing: in the greeting and menu; connecting: ringing the people on duty; answered: somebody took it;
# missed: nobody answered (kept for a call-back); abandoned: the caller hung up in the menu.
CALL_STATUSES = ("ringing", "connecting", "answered", "missed", "abandoned")


class Call(SQLModel, table=True):
    __tablename__ = "phone_call"
    __table_args__ = (
        sa.CheckConstraint("status in ('ringing','connecting','answered','missed','abandoned')", name="ck_phone_call_status"),
        sa.CheckConstraint("language in ('ja','en')", name="ck_phone_call_language"),
        sa.Index("ix_phone_call_started", "started_at", "id"),
        sa.Index("ix_phone_call_callback", "status", "called_back_at", "callback_alerted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(sa_type=sa.String(64), unique=True)  # Twilio's CallSid
    from_number: str = Field(default="", sa_type=sa.String(64))  # as Twilio sent it ('anonymous' when withheld)
    from_e164: str | None = Field(default=None, sa_type=sa.String(16), index=True)  # None: no number to call back
    to_number: str = Field(default="", sa_type=sa.String(64))
    started_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # the ring instant
    status: str = Field(default="ringing", sa_type=sa.String(12), index=True)
    language: str = Field(default="ja", sa_type=sa.String(2))
    choice: str | None = Field(default=None, sa_type=sa.String(12))  # new | existing | operator
    # What the calling number matched when it rang (ids; the names are read when shown).
    organization_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    case_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    case_id: int | None = Field(default=None, foreign_key="incident_case.id", index=True)  # the case it is about
    roster_step: int = Field(default=0)  # which of the people on duty is being rung (0: the first)
    ringing_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_seconds: int | None = Field(default=None)  # the conversation with whoever answered
    called_back_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    called_back_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    callback_alerted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class RosterEntry(SQLModel, table=True):
    __tablename__ = "roster_entry"
    __table_args__ = (sa.CheckConstraint("position >= 0", name="ck_roster_position"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    weekdays: str = Field(default="0123456", sa_type=sa.String(7))  # 0 Monday … 6 Sunday, in JST
    starts: dt.time = Field(sa_type=sa.Time)  # JST; ends <= starts: the window runs past midnight
    ends: dt.time = Field(sa_type=sa.Time)
    position: int = Field(default=0)  # the order in which people on duty are rung
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RosterWarning(SQLModel, table=True):
    __tablename__ = "roster_warning"

    id: int | None = Field(default=None, primary_key=True)
    gap_starts_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False, unique=True)
    gap_ends_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    warned_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
