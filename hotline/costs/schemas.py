"""API and form input for cost lines. Money is integer yen ≥ 0; instants need an offset."""
from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=60)
    amount_jpy: StrictInt = Field(ge=0, le=10**13)
    arose_on: dt.date
    ordered_at: AwareDatetime | None = None  # for ① lines: when the work was ordered (30-day rule, I-5)
    victims: StrictInt | None = Field(default=None, ge=0, le=10**9)
    consent_ref: str | None = Field(default=None, max_length=200)
    consent_on: dt.date | None = None
    vendor_id: StrictInt | None = None
    dispatch_id: StrictInt | None = None
    invoice_ref: str | None = Field(default=None, max_length=100)
    note: str = Field(default="", max_length=4000)


class CostPatch(BaseModel):
    """Any field of a line; null clears a nullable one. Every change is audited old → new."""
    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(default=None, min_length=1, max_length=60)
    amount_jpy: StrictInt | None = Field(default=None, ge=0, le=10**13)
    arose_on: dt.date | None = None
    ordered_at: AwareDatetime | None = None
    victims: StrictInt | None = Field(default=None, ge=0, le=10**9)
    consent_ref: str | None = Field(default=None, max_length=200)
    consent_on: dt.date | None = None
    vendor_id: StrictInt | None = None
    dispatch_id: StrictInt | None = None
    invoice_ref: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=4000)


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent_ref: str = Field(min_length=1, max_length=200)
    consent_on: dt.date | None = None  # default: today in Tokyo
