"""API (and intake form) input for cases. Table models do not validate; these do, with the shared types of
hotline/validation.py (strict for the API, Japanese-style input on the pages)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.validation import (
    MAX_ID,
    BlankIsNone,
    Count,
    Email,
    Flag,
    Id,
    Instant,
    Phone,
    Search,
    integer,
    text,
)
from workflows.phases import PHASE_KEYS

Source = Literal["internal", "public_body", "security_provider", "customer", "other"]
Attack = Literal["unknown", "yes", "no"]
Basis = Literal["caller_statement", "logs", "third_party_notice", "estimate"]
Name = text(200)
Summary = text(20000, multiline=True, required=True)
OptionalPhone = Annotated[Phone | None, BlankIsNone]  # SMS reminders go to the contact's phone
OptionalEmail = Annotated[Email | None, BlankIsNone]


class _Facts(BaseModel):
    """Fields shared by intake and PATCH. In a PATCH every field is optional; null clears nullable ones."""
    model_config = ConfigDict(extra="forbid")

    caller_name: Name | None = None
    caller_phone: OptionalPhone = None
    caller_email: OptionalEmail = None
    contact_name: Name | None = None
    contact_phone: OptionalPhone = None
    contact_email: OptionalEmail = None
    contact_language: Literal["ja", "en"] | None = Field(default=None, description="the language of the "
                                                         "insured contact's messages (default ja)")
    discovery_basis: Basis | None = None
    discovery_source: Source | None = None
    personal_records_affected: Count | None = None
    card_data: Flag | None = None
    sensitive_data: Flag | None = None
    malicious: Flag | None = None
    eu_data_subjects: Flag | None = None
    attack_confirmed: Attack | None = None
    publication_made_at: Instant | None = None
    pmark_holder: Flag | None = None
    appi_known_at: Instant | None = None
    gdpr_aware_at: Instant | None = None
    card_known_at: Instant | None = None
    pmark_discovered_at: Instant | None = None
    coordinator_id: Id | None = None


class CaseIn(_Facts):
    policy_id: Id
    first_discovered_at: Instant
    reported_at: Instant | None = Field(default=None, description="default: now (the call under way)")
    summary: Summary


class CasePatch(_Facts):
    policy_id: Id | None = None
    first_discovered_at: Instant | None = None
    reported_at: Instant | None = None
    summary: Summary | None = None


class DeadlineMetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    met_at: Instant


# Fields that may not be cleared with null in a PATCH (the column is NOT NULL).
NOT_NULL = frozenset({"policy_id", "first_discovered_at", "reported_at", "summary", "caller_name", "contact_language",
                      "discovery_basis", "discovery_source", "card_data", "sensitive_data", "malicious",
                      "eu_data_subjects", "attack_confirmed", "pmark_holder"})
DEFAULTS = {"caller_name": "", "contact_language": "ja", "discovery_basis": "caller_statement", "discovery_source": "internal",
            "card_data": False, "sensitive_data": False, "malicious": False, "eu_data_subjects": False,
            "attack_confirmed": "unknown", "pmark_holder": False}


Phase = Literal[PHASE_KEYS]


class CaseListQuery(BaseModel):
    """GET /api/v1/cases?status=&phase=&coordinator_id=&overdue=&policy_id=&organization_id=&q=&limit=&offset=
    (a limit above 1000 reads 1000)."""
    status: Literal["open", "closed", "all"] | None = None
    phase: Phase | None = None
    coordinator_id: Id | None = None
    overdue: Flag = False
    policy_id: Id | None = None
    organization_id: Id | None = None
    q: Search = ""
    limit: integer(0, MAX_ID) = 100
    offset: integer(0, MAX_ID) = 0


PAGE_SIZE = 50


class CaseListPage(BaseModel):
    """The case list page's query string (/cases): the same filters, a page number instead of an offset, and
    the box's text `q` (the top bar's search)."""
    q: Search = ""
    status: Literal["open", "closed", "all"] = "all"
    phase: Annotated[Phase | None, BlankIsNone] = None
    coordinator_id: Annotated[Id | None, BlankIsNone] = None
    overdue: Flag = False
    page: integer(1, MAX_ID // PAGE_SIZE) = 1
