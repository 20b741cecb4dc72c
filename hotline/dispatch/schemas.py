"""Input models of the vendors and dispatch API and pages (table models do not validate; these do)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.validation import MAX_LIST, Flag, Id, Phone, integer, text
from vendors.capabilities import CODES

Capability = Literal[CODES]  # type: ignore[valid-type]
Capabilities = list[Capability]
Hours = Literal["24x7", "business"]
Rank = integer(0, 100_000)
Name = text(200, required=True)
Language = text(20, required=True)
VendorNote = text(2000, multiline=True)


def _unique(values: list | None) -> list | None:
    return None if values is None else list(dict.fromkeys(values))


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    phone: Phone


class VendorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    capabilities: Capabilities = Field(min_length=1, max_length=MAX_LIST)
    hours: Hours
    contacts: list[ContactIn] = Field(default_factory=list, max_length=MAX_LIST)
    languages: list[Language] = Field(default_factory=lambda: ["ja"], max_length=MAX_LIST)
    escalation_rank: Rank = 100
    note: VendorNote = ""
    active: Flag = True

    _dedupe = field_validator("capabilities")(classmethod(lambda cls, v: _unique(v)))


class VendorPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    capabilities: Capabilities | None = Field(default=None, min_length=1, max_length=MAX_LIST)
    hours: Hours | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=MAX_LIST)
    languages: list[Language] | None = Field(default=None, max_length=MAX_LIST)
    escalation_rank: Rank | None = None
    note: VendorNote | None = None
    active: Flag | None = None

    _dedupe = field_validator("capabilities")(classmethod(lambda cls, v: _unique(v)))


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vendor_id: Id
    capability: Capability
    brief: text(2000, multiline=True, required=True)
    override_warnings: Flag = False


class DispatchAction(BaseModel):
    """accept / decline: recorded by the coordinator for a vendor who answered by phone;
    release: the accepted work is finished; withdraw: stop a dispatch still waiting for an answer."""
    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "decline", "release", "withdraw"]
    note: text(1000, multiline=True) = ""
