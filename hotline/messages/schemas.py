"""Input of a message (page and API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hotline.validation import text

MAX_MESSAGE = 5000


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: text(MAX_MESSAGE, required=True, multiline=True)
