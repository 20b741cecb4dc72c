"""The incident case: who called, which policy, when the insured first discovered the event, and the
facts that drive the clocks and the coverage rules."""
from __future__ import annotations

import datetime as dt
from dataclasses import fields

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from hotline.errors import Conflict
from workflows.facts import CaseFacts
from workflows.text import N_, Text

DISCOVERY_SOURCES = ("internal", "public_body", "security_provider", "customer", "other")
# 外部通報 (DOMAIN A.1.2): a public body, or the insured's security-operations provider.
EXTERNAL_NOTIFICATION_SOURCES = ("public_body", "security_provider")
ATTACK_CONFIRMED = ("unknown", "yes", "no")


class Case(SQLModel, table=True):
    __tablename__ = "incident_case"
    __table_args__ = (
        sa.CheckConstraint("attack_confirmed in ('unknown','yes','no')", name="ck_case_attack"),
        sa.CheckConstraint("status in ('open','closed')", name="ck_case_status"),
        sa.CheckConstraint("contact_language in ('ja','en')", name="ck_case_contact_language"),
        sa.CheckConstraint("personal_records_affected is null or personal_records_affected >= 0",
                           name="ck_case_records"),
        sa.Index("ix_case_status_next_due", "status", "next_due_at"),
    )
    # Lists and searches are ordered by LIST_ORDER; the indexes at the end of this module follow that order, so
    # a page of the list, unfiltered or filtered by status, phase or coordinator, is an index walk.

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_type=sa.String(20), unique=True, index=True)  # CY-2026-000123
    policy_id: int = Field(foreign_key="policy.id", index=True)
    status: str = Field(default="open", sa_type=sa.String(10))  # indexed by ix_case_status_next_due
    phase: str = Field(default="intake", sa_type=sa.String(30))

    # Who called and who to keep informed at the insured.
    caller_name: str = Field(default="", sa_type=sa.String(200))
    caller_phone: str | None = Field(default=None, sa_type=sa.String(30), index=True)  # E.164: searched
    caller_email: str | None = Field(default=None, sa_type=sa.String(254))
    contact_name: str | None = Field(default=None, sa_type=sa.String(200))
    contact_phone: str | None = Field(default=None, sa_type=sa.String(30), index=True)  # E.164, reminders go here
    contact_email: str | None = Field(default=None, sa_type=sa.String(254))
    # The language of the messages the insured contact gets (ja unless the case says otherwise).
    contact_language: str = Field(default="ja", sa_type=sa.String(2), sa_column_kwargs={"server_default": "ja"})

    # The clocks start here. Instants, stored in UTC.
    first_discovered_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    discovery_basis: str = Field(default="caller_statement", sa_type=sa.String(40))  # how it is known
    reported_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)  # hotline contact = notice to insurer
    discovery_source: str = Field(default="internal", sa_type=sa.String(30))
    summary: str = Field(sa_type=sa.Text)

    # Facts that drive the deadline and coverage rules.
    personal_records_affected: int | None = Field(default=None)
    card_data: bool = Field(default=False)
    sensitive_data: bool = Field(default=False)
    malicious: bool = Field(default=False)
    eu_data_subjects: bool = Field(default=False)
    attack_confirmed: str = Field(default="unknown", sa_type=sa.String(10))
    publication_made_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    pmark_holder: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    # DOMAIN C.7: the regulators' clocks start at their own moments; NULL means "same as first discovery".
    appi_known_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # APPI: the business knew
    gdpr_aware_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # GDPR: awareness
    card_known_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # card brands: knowledge
    pmark_discovered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)  # P-mark: 発覚日
    # The nearest unmet deadline (open or missed), kept by the deadline service so dashboards sort by index.
    next_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    coordinator_id: int | None = Field(default=None, foreign_key="app_user.id")  # indexed below, with the order
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# Nearest unmet deadline first (overdue ones first, as they are the earliest), cases without one last, newest
# first among equals. Written with `next_due_at IS NULL` rather than NULLS LAST so that one expression index
# serves it on SQLite (whose indexes cannot put NULLs last) and PostgreSQL alike.
_NO_DEADLINE = Case.next_due_at.is_(None)
LIST_ORDER = (_NO_DEADLINE, Case.next_due_at, Case.id.desc())
for _name, _columns in (("ix_case_list_order", ()), ("ix_case_status_list_order", (Case.status,)),
                        ("ix_case_phase_list_order", (Case.phase,)),
                        ("ix_case_coordinator_list_order", (Case.coordinator_id,))):
    sa.Index(_name, *_columns, *LIST_ORDER)


class CaseReferenceCounter(SQLModel, table=True):
    """The last reference number used per year: one row per year, incremented atomically at intake."""
    __tablename__ = "case_reference_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)


FACT_FIELDS = tuple(f.name for f in fields(CaseFacts))
FACT_COLUMNS = tuple(getattr(Case, name) for name in FACT_FIELDS)  # select(*FACT_COLUMNS): the facts alone


def facts_of(case) -> CaseFacts:
    """The facts the rules read, from a Case or from a row selected with FACT_COLUMNS (the coverage of a
    policy loads only those columns of its cases)."""
    return CaseFacts(**{name: getattr(case, name) for name in FACT_FIELDS})


CLOSED_CASE = N_("The case is closed: reopen it, with a reason, before changing it.")


def require_open(case: Case) -> None:
    """A closed case takes no more costs, fact changes or notes until a coordinator reopens it (409)."""
    if case.status == "closed":
        raise Conflict(Text(CLOSED_CASE), code="case_closed")
