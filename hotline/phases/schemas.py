"""Input of the phases and tasks API (table models do not validate; these do)."""
from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from workflows.phases import PHASE_KEYS

PhaseKey = Literal[PHASE_KEYS]  # type: ignore[valid-type]


class PhaseMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["start", "complete", "skip"]
    reason: str | None = Field(default=None, max_length=2000, description="required for skip")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phase: PhaseKey = Field(description="the phase whose checklist gets the task")
    title: str = Field(min_length=1, max_length=300, description="as the person typed it, in any language")
    due_at: AwareDatetime | None = None
    owner_role: Literal["operator", "coordinator", "insured"] | None = None
    owner_id: int | None = None
    cost_category: str | None = Field(default=None, max_length=60)


class TaskUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["done"]
