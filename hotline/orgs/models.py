"""Insured organisations and their policies."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(200), index=True)
    phone: str | None = Field(default=None, sa_type=sa.String(20))  # E.164: the company's main number (代表番号)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Policy(SQLModel, table=True):
    __tablename__ = "policy"
    __table_args__ = (sa.CheckConstraint("period_end > period_start", name="ck_policy_period"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    product: str = Field(sa_type=sa.String(40))  # a product code of the catalogue, e.g. tm-juas-2026
    plan: str = Field(sa_type=sa.String(20))
    policy_number: str = Field(sa_type=sa.String(60), unique=True, index=True)
    period_start: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    period_end: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def covers(self, instant: dt.datetime) -> bool:
        """Whether an instant falls in the period [start, end), e.g. 16:00 JST to 16:00 JST."""
        return self.period_start <= instant < self.period_end
