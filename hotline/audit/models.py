"""The append-only audit log. It is also the case timeline: every change to a case is one row.

A row stores what happened (its `kind`, the field with its old and new value, and the parameters of the event
in `params`), never a sentence: the sentence is rendered when the row is read, in the reader's language, by
the renderers each domain keeps for its kinds (hotline/timeline/render.py gathers them)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_case_at", "case_id", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str | None = Field(default=None, sa_type=sa.String(254))  # a user's label, "clock", "vendor:…"
    case_id: int | None = Field(default=None, foreign_key="incident_case.id")
    entity: str = Field(sa_type=sa.String(40))  # e.g. case, deadline, cost_line, user, policy
    entity_id: int | None = Field(default=None)
    kind: str = Field(sa_type=sa.String(40))  # e.g. case_opened, fact_changed, cost_recorded
    params: dict = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)  # the event's values (JSON)
    field: str | None = Field(default=None, sa_type=sa.String(80))
    old: str | None = Field(default=None, sa_type=sa.Text)
    new: str | None = Field(default=None, sa_type=sa.Text)
    # An entry for the hotline's staff only, never shown to insureds (issue 14). Set on every row written since
    # migration 0018; NULL on older rows, which are read by their kind alone (hotline/timeline/service.py).
    internal: bool | None = Field(default=None)
