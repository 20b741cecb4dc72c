"""Input models of the vendors and dispatch API (table models do not validate)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vendors.capabilities import CODES

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def check_capabilities(values: list[str]) -> list[str]:
    unknown = [c for c in values if c not in CODES]
    if unknown:
        raise ValueError(f"unknown capability {', '.join(unknown)}; known: {', '.join(CODES)}")
    return list(dict.fromkeys(values))


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    phone: str

    @field_validator("phone")
    @classmethod
    def _e164(cls, v: str) -> str:
        v = v.strip()
        if not E164.match(v):
            raise ValueError("a phone number in E.164, e.g. +81312345678")
        return v


class VendorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    capabilities: list[str] = Field(min_length=1)
    hours: Literal["24x7", "business"]
    contacts: list[ContactIn] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["ja"])
    escalation_rank: int = Field(default=100, ge=0, le=100000)
    note: str = Field(default="", max_length=2000)
    active: bool = True

    @field_validator("capabilities")
    @classmethod
    def _caps(cls, v: list[str]) -> list[str]:
        return check_capabilities(v)


class VendorPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    capabilities: list[str] | None = Field(default=None, min_length=1)
    hours: Literal["24x7", "business"] | None = None
    contacts: list[ContactIn] | None = None
    languages: list[str] | None = None
    escalation_rank: int | None = Field(default=None, ge=0, le=100000)
    note: str | None = Field(default=None, max_length=2000)
    active: bool | None = None

    @field_validator("capabilities")
    @classmethod
    def _caps(cls, v):
        return None if v is None else check_capabilities(v)


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vendor_id: int
    capability: str
    brief: str = Field(min_length=1, max_length=2000)
    override_warnings: bool = False

    @field_validator("capability")
    @classmethod
    def _cap(cls, v: str) -> str:
        check_capabilities([v])
        return v


class DispatchAction(BaseModel):
    """accept / decline: recorded by the coordinator for a vendor who answered by phone;
    release: the accepted work is finished; withdraw: stop a dispatch still waiting for an answer."""
    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "decline", "release", "withdraw"]
    note: str = Field(default="", max_length=1000)
