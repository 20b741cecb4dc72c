"""Input of the notes endpoint."""
from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["note", "call"] = Field(default="note", description="note → note_added; call → call_logged")
    text: str = Field(min_length=1, max_length=10000)
    at: AwareDatetime | None = Field(default=None, description="when the call took place (default: now)")
