"""Input of the phases and tasks API and forms (table models do not validate; these do)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.validation import Id, Instant, text
from workflows.phases import PHASE_KEYS

PhaseKey = Literal[PHASE_KEYS]  # type: ignore[valid-type]


class PhaseMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["start", "complete", "skip"]
    reason: text(2000) | None = Field(default=None, description="required for skip")


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: text(2000, required=True) = Field(description="why the closed case is opened again (on the timeline)")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase: PhaseKey = Field(description="the phase whose checklist gets the task")
    title: text(300, required=True) = Field(description="as the person typed it, in any language")
    due_at: Instant | None = None
    owner_role: Literal["operator", "coordinator", "insured"] | None = None
    owner_id: Id | None = None
    cost_category: text(60) | None = None


class TaskUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["done"]
