"""API and form input for organisations and policies (hotline/validation.py types)."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from hotline.products.catalogue import catalogue
from hotline.validation import BlankIsNone, Id, Instant, Phone, problem, text


class OrganizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: text(200, required=True)
    phone: Annotated[Phone | None, BlankIsNone] = None  # the main number: calls from it match the organisation


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization_id: Id
    product: text(40, required=True)
    plan: text(20, required=True)
    policy_number: text(60, required=True)
    period_start: Instant
    period_end: Instant

    @field_validator("product")
    @classmethod
    def _known_product(cls, value: str) -> str:
        if value not in catalogue():
            raise problem("choice", choices=", ".join(sorted(catalogue())))
        return value

    @field_validator("plan")
    @classmethod
    def _known_plan(cls, value: str, info: ValidationInfo) -> str:
        product = catalogue().get(info.data.get("product", ""))
        if product is not None and value not in product.plans:
            raise problem("choice", choices=", ".join(product.plans))
        return value
