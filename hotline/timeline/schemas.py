"""Input of the notes endpoint and form."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.validation import Flag, Instant, text

NoteText = text(10000, multiline=True, required=True)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["note", "call"] = Field(default="note", description="note → note_added; call → call_logged")
    text: NoteText
    at: Instant | None = Field(default=None, description="when the call took place (default: now)")
    internal: Flag = Field(default=True, description="for the hotline's staff only (the default); false: a note "
                                                     "the case's insureds read too (a logged call stays internal)")
