"""API input and output for organisations and policies."""
from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, field_validator


class OrganizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization_id: StrictInt
    product: str = Field(min_length=1, max_length=40)
    plan: str = Field(min_length=1, max_length=20)
    policy_number: str = Field(min_length=1, max_length=60)
    period_start: AwareDatetime
    period_end: AwareDatetime

    @field_validator("policy_number")
    @classmethod
    def _strip(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v.strip()
