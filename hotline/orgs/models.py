"""Insured organisations and their policies."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from hotline.validation import search_key


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    __table_args__ = (sa.Index("ix_organization_search_key_trgm", "search_key", postgresql_using="gin",
                               postgresql_ops={"search_key": "gin_trgm_ops"}),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(200), index=True)
    # The name as the case search compares it (hotline.validation.search_key), kept by save_search_keys below.
    search_key: str = Field(default="", sa_type=sa.String(200), sa_column_kwargs={"server_default": ""})
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Policy(SQLModel, table=True):
    __tablename__ = "policy"
    __table_args__ = (sa.CheckConstraint("period_end > period_start", name="ck_policy_period"),
                      sa.Index("ix_policy_search_key_trgm", "search_key", postgresql_using="gin",
                               postgresql_ops={"search_key": "gin_trgm_ops"}))

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    product: str = Field(sa_type=sa.String(40))  # a product code of the catalogue, e.g. tm-juas-2026
    plan: str = Field(sa_type=sa.String(20))
    policy_number: str = Field(sa_type=sa.String(60), unique=True, index=True)
    search_key: str = Field(default="", sa_type=sa.String(60), sa_column_kwargs={"server_default": ""})
    period_start: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    period_end: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def covers(self, instant: dt.datetime) -> bool:
        """Whether an instant falls in the period [start, end), e.g. 16:00 JST to 16:00 JST."""
        return self.period_start <= instant < self.period_end


_KEYED = {Organization: "name", Policy: "policy_number"}


@sa.event.listens_for(Organization, "before_insert")
@sa.event.listens_for(Organization, "before_update")
@sa.event.listens_for(Policy, "before_insert")
@sa.event.listens_for(Policy, "before_update")
def save_search_keys(_mapper, _connection, target) -> None:
    """Every write of a name or policy number through the ORM keeps its search key (the migration that added
    the column, 0014_case_search, computed it for the rows already there)."""
    target.search_key = search_key(getattr(target, _KEYED[type(target)]))
