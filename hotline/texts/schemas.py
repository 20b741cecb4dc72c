"""Input of the admin's simulated text."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hotline.validation import Phone, text


class SimulatedText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_number: Phone  # the sender, as people write it ('090-1234-5678' reads as +819012345678)
    body: text(1600, required=True, multiline=True)
