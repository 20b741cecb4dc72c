"""Phase state per case and the task checklist. Created at intake, in the same unit of work as the case."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from workflows.tasks import task_title
from workflows.text import Text


class CasePhase(SQLModel, table=True):
    __tablename__ = "case_phase"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "key", name="uq_case_phase_key"),
        sa.CheckConstraint("status in ('not_started','active','done','skipped')", name="ck_case_phase_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id", index=True)
    key: str = Field(sa_type=sa.String(30))
    position: int = Field(default=0)  # index in workflows.phases.PHASE_KEYS, for ordering
    status: str = Field(default="not_started", sa_type=sa.String(12))
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    skip_reason: str | None = Field(default=None, sa_type=sa.Text)


class CaseTask(SQLModel, table=True):
    __tablename__ = "case_task"
    __table_args__ = (
        # A template's task is generated once per case (hand-added tasks have no template key).
        sa.UniqueConstraint("case_id", "phase_key", "template_key", name="uq_case_task_template"),
        sa.CheckConstraint("status in ('open','done')", name="ck_case_task_status"),
        sa.Index("ix_case_task_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id", index=True)
    phase_key: str = Field(sa_type=sa.String(30))
    template_key: str | None = Field(default=None, sa_type=sa.String(60))
    title: str = Field(sa_type=sa.String(300))  # as typed, or the template's (English) title
    owner_role: str | None = Field(default=None, sa_type=sa.String(20))
    owner_id: int | None = Field(default=None, foreign_key="app_user.id")
    cost_category: str | None = Field(default=None, sa_type=sa.String(60))  # the cost category it produces
    due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="open", sa_type=sa.String(8))
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Set once by the clock when the overdue reminder went out (claimed: exactly once per task).
    reminded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def label(self) -> Text | str:
        """What the task is called, for any reader: a generated task reads its template's title in the reader's
        language; a task a person typed reads as typed."""
        return task_title(self.phase_key, self.template_key, self.title)
