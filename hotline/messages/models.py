"""Messages between a case's insureds and the hotline, one thread per case."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class CaseMessage(SQLModel, table=True):
    __tablename__ = "case_message"
    __table_args__ = (sa.Index("ix_case_message_case_at", "case_id", "created_at", "id"),
                      sa.Index("ix_case_message_unread", "read_at", "from_insured"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id")
    author_id: int = Field(foreign_key="app_user.id")
    from_insured: bool  # written by one of the case's insureds (else by the hotline's staff)
    body: str = Field(sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # An insured's message is new for the hotline until a staff member answers on the case or marks it read.
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_by_id: int | None = Field(default=None, foreign_key="app_user.id")
