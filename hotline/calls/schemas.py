"""Input of the calls API, the caller log's filters and the roster form (hotline/validation.py types)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hotline.validation import MAX_ID, BlankIsNone, Id, Instant, Phone, integer, problem, text

Status = Literal["ringing", "connecting", "answered", "missed", "abandoned", "open", "to_call_back"]
Reference = Annotated[str, Field(max_length=40)]


class CallListQuery(BaseModel):
    """GET /api/v1/calls?from=&case=&status=&since=&limit=&offset= (and the caller log's filters)."""
    model_config = ConfigDict(populate_by_name=True)
    from_: text(40) = Field(default="", alias="from", description="the calling number, written any way (E.164 "
                                                                  "compared)")
    case: text(40) = Field(default="", description="a case reference: the calls linked to that case")
    status: Status | None = Field(default=None, description="a status; open = ringing or connecting; "
                                                            "to_call_back = missed and not called back")
    since: Instant | None = Field(default=None, description="calls that rang at or after this instant")
    limit: integer(0, 1000) = 100
    offset: integer(0, MAX_ID) = 0


def _time(value):
    """'9:00', '09:00', '２２：３０' → a time; '24:00' is midnight."""
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str):
        raise problem("time")
    from hotline.validation import normalise

    m = re.fullmatch(r"(\d{1,2})[:時](\d{2})分?", normalise(value).strip())
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (int(m.group(1)) == 24 and int(m.group(2))):
        raise problem("time")
    return dt.time(int(m.group(1)) % 24, int(m.group(2)))


def _weekdays(value):
    values = value if isinstance(value, list) else [value]
    days = sorted({str(v) for v in values if str(v) in "0123456" and len(str(v)) == 1})
    if not days or len(days) != len({str(v) for v in values}):
        raise problem("choice", choices="0-6")
    return "".join(days)


TimeOfDay = Annotated[dt.time, BeforeValidator(_time)]


class RosterEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: Id
    weekdays: Annotated[str, BeforeValidator(_weekdays)]
    starts: TimeOfDay
    ends: TimeOfDay
    position: integer(0, 1000) = 0


class SimulatedCallIn(BaseModel):
    """The simulator's incoming call: the calling number (blank: withheld), the key pressed in the menu (9: English,
    then 1), and for 2 the digits of a case reference."""
    model_config = ConfigDict(extra="forbid")
    number: Annotated[Phone | None, BlankIsNone] = None
    keys: Literal["", "1", "2", "0", "9"] = ""
    reference: Annotated[str, Field(default="", max_length=12, pattern=r"^[0-9]{0,12}$")] = ""


class SimulatedLegIn(BaseModel):
    """The simulator's person on duty: answers (for so many seconds) or not."""
    model_config = ConfigDict(extra="forbid")
    answered: Literal["yes", "no"]
    duration: integer(0, 36000) = 60
