"""Partner vendors, their on-call contacts, dispatches and each notification attempt of a dispatch."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow

DISPATCH_STATUSES = ("pending", "accepted", "declined", "escalated", "expired")
# A dispatch still waiting for someone to accept.
WAITING = ("pending", "escalated")


class Vendor(SQLModel, table=True):
    __tablename__ = "vendor"
    __table_args__ = (sa.CheckConstraint("hours in ('24x7','business')", name="ck_vendor_hours"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(200), unique=True, index=True)
    capabilities: list = Field(default_factory=list, sa_type=sa.JSON)  # capability codes
    hours: str = Field(default="24x7", sa_type=sa.String(10))
    languages: list = Field(default_factory=list, sa_type=sa.JSON)  # e.g. ["ja", "en"]
    # Lower is tried first when a dispatch escalates to the next vendor of the same capability.
    escalation_rank: int = Field(default=100)
    note: str = Field(default="", sa_type=sa.Text)
    active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class VendorContact(SQLModel, table=True):
    __tablename__ = "vendor_contact"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    name: str = Field(sa_type=sa.String(200))
    phone: str = Field(sa_type=sa.String(20))  # E.164
    position: int = Field(default=0)  # on-call order: 0 is called first


class Dispatch(SQLModel, table=True):
    __tablename__ = "dispatch"
    __table_args__ = (
        sa.CheckConstraint("status in ('pending','accepted','declined','escalated','expired')",
                           name="ck_dispatch_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id", index=True)
    requested_vendor_id: int = Field(foreign_key="vendor.id")  # the vendor the coordinator chose
    vendor_id: int = Field(foreign_key="vendor.id", index=True)  # the vendor asked now, or engaged
    capability: str = Field(sa_type=sa.String(40))
    brief: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", sa_type=sa.String(10), index=True)
    chain: list = Field(default_factory=list, sa_type=sa.JSON)  # vendors.escalation.Step.as_json(), copied
    current_step: int = Field(default=0)
    step_deadline: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    warnings: list = Field(default_factory=list, sa_type=sa.JSON)
    warnings_overridden: bool = Field(default=False)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # accepted, declined or expired
    released_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # accepted work finished


class DispatchAttempt(SQLModel, table=True):
    """One step of the chain: a contact notified, with a deadline to answer. `closed_at` is claimed
    exactly once, by whoever closes the step first (the vendor's answer or the clock's escalation)."""

    __tablename__ = "dispatch_attempt"
    __table_args__ = (sa.UniqueConstraint("dispatch_id", "step", name="uq_dispatch_attempt_step"),)

    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="dispatch.id", index=True)
    step: int
    vendor_id: int = Field(foreign_key="vendor.id")
    contact_name: str = Field(sa_type=sa.String(200))
    phone: str = Field(sa_type=sa.String(20))
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deadline: dt.datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # accepted | declined | no_answer | withdrawn | superseded (another contact of the vendor answered)
    outcome: str | None = Field(default=None, sa_type=sa.String(20))
    answered_via: str | None = Field(default=None, sa_type=sa.String(20))  # link | voice | coordinator
    # A late answer through this step's link, after the step was closed (recorded once).
    late_answer: str | None = Field(default=None, sa_type=sa.String(20))
