"""API and form input for cost lines. Money is integer yen ≥ 0; instants need an offset (hotline/validation.py)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hotline.validation import Count, Day, Id, Instant, Yen, text

Category = text(60, required=True)
ConsentRef = text(200)
InvoiceRef = text(100)
Note = text(4000, multiline=True)


class CostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    amount_jpy: Yen
    arose_on: Day
    ordered_at: Instant | None = Field(default=None, description="for ① lines: when the work was ordered (30-day "
                                                                  "rule, I-5)")
    victims: Count | None = None
    consent_ref: ConsentRef | None = None
    consent_on: Day | None = None
    vendor_id: Id | None = None
    dispatch_id: Id | None = None
    invoice_ref: InvoiceRef | None = None
    note: Note = ""


class CostPatch(BaseModel):
    """Any field of a line; null clears a nullable one. Every change is audited old → new."""
    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    amount_jpy: Yen | None = None
    arose_on: Day | None = None
    ordered_at: Instant | None = None
    victims: Count | None = None
    consent_ref: ConsentRef | None = None
    consent_on: Day | None = None
    vendor_id: Id | None = None
    dispatch_id: Id | None = None
    invoice_ref: InvoiceRef | None = None
    note: Note | None = None


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent_ref: text(200, required=True)
    consent_on: Day | None = Field(default=None, description="default: today in Tokyo")


class InsuredCostIn(BaseModel):
    """The insured's cost form (their incident page): what they know of a cost. No consent: only the hotline
    records the insurer's consent (issue 14)."""
    model_config = ConfigDict(extra="forbid")

    category: Category
    amount_jpy: Yen
    arose_on: Day
    ordered_at: Instant | None = None
    victims: Count | None = None
    invoice_ref: InvoiceRef | None = None
    note: Note = ""
