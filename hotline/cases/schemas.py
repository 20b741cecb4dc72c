"""API (and intake form) input for cases. Table models do not validate; these do."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

Source = Literal["internal", "public_body", "security_provider", "customer", "other"]
Attack = Literal["unknown", "yes", "no"]
Basis = Literal["caller_statement", "logs", "third_party_notice", "estimate"]
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _phone(v: str | None) -> str | None:
    if v is None or not v.strip():
        return None
    v = re.sub(r"[\s-]", "", v)
    if not E164.match(v):
        raise ValueError("a phone number in E.164 form, e.g. +819012345678 (reminders are sent there)")
    return v


def _email(v: str | None) -> str | None:
    if v is None or not v.strip():
        return None
    if not EMAIL.match(v.strip()):
        raise ValueError("not an e-mail address")
    return v.strip()


class _Facts(BaseModel):
    """Fields shared by intake and PATCH. In a PATCH every field is optional; null clears nullable ones."""
    model_config = ConfigDict(extra="forbid")

    caller_name: str | None = Field(default=None, max_length=200)
    caller_phone: str | None = Field(default=None, max_length=30)
    caller_email: str | None = Field(default=None, max_length=254)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=30)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_language: Literal["ja", "en"] | None = Field(default=None, description="the language of the "
                                                         "insured contact's messages (default ja)")
    discovery_basis: Basis | None = None
    discovery_source: Source | None = None
    personal_records_affected: int | None = Field(default=None, ge=0)
    card_data: StrictBool | None = None
    sensitive_data: StrictBool | None = None
    malicious: StrictBool | None = None
    eu_data_subjects: StrictBool | None = None
    attack_confirmed: Attack | None = None
    publication_made_at: AwareDatetime | None = None
    pmark_holder: StrictBool | None = None
    appi_known_at: AwareDatetime | None = None
    gdpr_aware_at: AwareDatetime | None = None
    card_known_at: AwareDatetime | None = None
    pmark_discovered_at: AwareDatetime | None = None
    coordinator_id: StrictInt | None = None

    _contact_phone = field_validator("contact_phone")(classmethod(lambda cls, v: _phone(v)))
    _emails = field_validator("caller_email", "contact_email")(classmethod(lambda cls, v: _email(v)))


class CaseIn(_Facts):
    policy_id: StrictInt
    first_discovered_at: AwareDatetime
    reported_at: AwareDatetime | None = None  # default: now (the call under way)
    summary: str = Field(min_length=1, max_length=20000)

    @field_validator("summary")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class CasePatch(_Facts):
    policy_id: StrictInt | None = None
    first_discovered_at: AwareDatetime | None = None
    reported_at: AwareDatetime | None = None
    summary: str | None = Field(default=None, min_length=1, max_length=20000)


class DeadlineMetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    met_at: AwareDatetime


# Fields that may not be cleared with null in a PATCH (the column is NOT NULL).
NOT_NULL = frozenset({"policy_id", "first_discovered_at", "reported_at", "summary", "caller_name", "contact_language",
                      "discovery_basis", "discovery_source", "card_data", "sensitive_data", "malicious",
                      "eu_data_subjects", "attack_confirmed", "pmark_holder"})
DEFAULTS = {"caller_name": "", "contact_language": "ja", "discovery_basis": "caller_statement", "discovery_source": "internal",
            "card_data": False, "sensitive_data": False, "malicious": False, "eu_data_subjects": False,
            "attack_confirmed": "unknown", "pmark_holder": False}
