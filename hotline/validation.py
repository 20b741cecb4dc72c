"""The one set of input validators: every API body, query string and page form goes through these types.

Each type is a pydantic `Annotated` type that carries its bounds and its normalisation, written once:

- The JSON API is strict (../shared/API.md): integers are JSON integers, instants ISO 8601 with an offset,
  dates `YYYY-MM-DD`, phones E.164. Anything else is refused with a sentence saying what to send.
- A query string (`context=QUERY`) is text by nature: integers are ASCII digits, nothing more.
- A page form (`context=FORM`) first reads what people type in Japan: full-width digits and letters (NFKC),
  `5,000`, `５０００件`, `¥1,200,000`, `120万円`, `090-1234-5678`, `03(1234)5678`, `2026/11/28 14:01`,
  `2026年11月28日 14時01分` and the browser's picker values, times in Japan time (JST); then the same bounds.

Every refusal is a `PydanticCustomError` whose type names a `Problem`: an English sentence for the API's
`fields` and a gettext message id for the page (hotline/forms.py translates it). No Flask here.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from workflows.calendar import TOKYO
from workflows.text import N_  # a message id for the catalogue; hotline/forms.py translates it for a page

FORM = {"mode": "form"}  # model_validate(..., context=FORM) for a page form
QUERY = {"mode": "query"}  # for a query string

YEARS = (2000, 2100)  # instants and dates: a year outside is a typo, never an incident of ours
MAX_YEN = 10**12  # ¥1,000,000,000,000: far above any policy limit, far below what a BIGINT holds
MAX_COUNT = 10**9  # people, records, victims (the columns are 32-bit integers)
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on both databases
MAX_LIST = 50  # items in a list (capabilities, contacts, languages)


@dataclass(frozen=True)
class Problem:
    api: str  # English, for the API's error fields: what to send ({name} from the error's context)
    page: str  # message id for the page, in its language: what to type (%(name)s from the context)


PROBLEMS: dict[str, Problem] = {
    "required": Problem("required", N_("Fill this in.")),
    "whole_number": Problem("a JSON integer, e.g. 5000 (not a string, not a decimal)",
                            N_("Enter a whole number in digits, e.g. 5,000.")),
    "count": Problem("a JSON integer, e.g. 5000 (not a string, not a decimal)",
                     N_("Enter a number in digits, e.g. 5,000.")),
    "amount": Problem("an integer number of yen, e.g. 1200000 (a JSON integer, not a string)",
                      N_("Enter an amount in yen, e.g. 1,200,000 or 120万円.")),
    "id": Problem("an id: a JSON integer from 1 to 2147483647", N_("Choose one from the list.")),
    "too_small": Problem("at least {min}", N_("Enter %(min)s or more.")),
    "too_large": Problem("at most {max}", N_("Enter %(max)s or less.")),
    "instant": Problem("an ISO 8601 instant with an offset, e.g. 2026-04-10T23:30:00+09:00",
                       N_("Enter a date and time, e.g. 2026/11/28 14:01 (JST).")),
    "offset": Problem("an instant needs an offset, e.g. 2026-04-10T23:30:00+09:00",
                      N_("Enter a date and time, e.g. 2026/11/28 14:01 (JST).")),
    "date": Problem("a date as YYYY-MM-DD, e.g. 2026-04-10", N_("Enter a date, e.g. 2026/11/28.")),
    "year": Problem("a year from {min} to {max}", N_("Enter a year from %(min)s to %(max)s.")),
    "text": Problem("a string", N_("Enter text.")),
    "text_too_long": Problem("at most {max} characters", N_("Write at most %(max)s characters.")),
    "text_too_short": Problem("at least {min} characters", N_("Write at least %(min)s characters.")),
    "control_character": Problem("text without control characters (such as NUL); only a multi-line text may "
                                 "hold line breaks and tabs",
                                 N_("Remove the invisible control characters from this text.")),
    "phone": Problem("a phone number in E.164, e.g. +819012345678",
                     N_("Enter a phone number, e.g. 090-1234-5678 or +81 90 1234 5678.")),
    "email": Problem("an e-mail address, e.g. name@example.jp", N_("Enter an e-mail address, e.g. name@example.jp.")),
    "choice": Problem("one of {choices}", N_("Choose one of the options.")),
    "too_many": Problem("at most {max} items", N_("Choose at most %(max)s.")),
    "too_few": Problem("at least {min} item(s)", N_("Choose at least %(min)s.")),
    "boolean": Problem("true or false", N_("Tick or untick this box.")),
    "list": Problem("a JSON array", N_("Choose from the list.")),
    "object": Problem("a JSON object", N_("Check this value.")),
    "unknown_field": Problem("unknown field", N_("This field is not part of the form.")),
    "invalid": Problem("{reason}", N_("Check this value.")),
}


def problem(kind: str, **ctx) -> PydanticCustomError:
    return PydanticCustomError(kind, PROBLEMS[kind].api, ctx)


def _mode(info: ValidationInfo | None) -> str:
    return (info.context or {}).get("mode", "json") if info is not None else "json"


_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−ーｰ－"), "-")  # what a Japanese keyboard gives for a hyphen


def normalise(text: str) -> str:
    """Full-width digits, letters and signs to ASCII (NFKC of the full-width forms only, so that ² or ① never
    become digits), dashes to '-', outer spaces removed."""
    return "".join(unicodedata.normalize("NFKC", c) if "\uff00" <= c <= "\uffef" or c == "\u3000" else c
                   for c in text).translate(_DASHES).strip()


# --- Integers: amounts in yen, counts, ids, ranks -----------------------------------------------------
_N = r"(?:\d{1,3}(?:,\d{3})+|\d+)"  # digits, with commas only where thousands are grouped
_JAPANESE_NUMBER = re.compile(rf"(?P<sign>-)?(?:(?P<oku>{_N}(?:\.\d+)?)億)?(?:(?P<man>{_N}(?:\.\d+)?)万)?"
                              rf"(?:(?P<sen>{_N}(?:\.\d+)?)千)?(?P<ones>{_N})?")
_UNITS = {"amount": ("¥\\", "円"), "count": ("約", "件名人社"), "whole_number": ("", ""), "id": ("", "")}


def _read_number(text: str, kind: str) -> int | None:
    """'5,000', '¥1,200,000', '120万円', '1億2,000万', '約5000件' → int; None when it is not a whole number."""
    prefixes, suffixes = _UNITS[kind]
    s = normalise(text).lstrip(prefixes + " ").rstrip(suffixes + " ")
    match = _JAPANESE_NUMBER.fullmatch(s)
    if not s or match is None or not any(match.group(g) for g in ("oku", "man", "sen", "ones")):
        return None
    if len(re.sub(r"\D", "", s)) > 30:  # a 40-digit number is too large, not a reason to compute
        return 10**30
    total = Decimal(0)
    for group, scale in (("oku", 10**8), ("man", 10**4), ("sen", 10**3), ("ones", 1)):
        if match.group(group):
            try:
                total += Decimal(match.group(group).replace(",", "")) * scale
            except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
                return None
    if total != total.to_integral_value():
        return None  # 1.23456万 is not a whole number of yen
    return -int(total) if match.group("sign") else int(total)


def _integer(kind: str, lo: int, hi: int):
    def validate(value: Any, info: ValidationInfo) -> Any:
        mode = _mode(info)
        if isinstance(value, bool) or (isinstance(value, str) and mode == "json") or \
                not isinstance(value, (int, str)):
            raise problem(kind)
        if isinstance(value, str):
            if mode == "query":
                if not re.fullmatch(r"[0-9]{1,30}", value):
                    raise problem(kind)
                value = int(value)
            else:
                value = _read_number(value, kind)
                if value is None:
                    raise problem(kind)
        if value < lo:
            raise problem("too_small", min=lo)
        if value > hi:
            raise problem("too_large", max=hi)
        return value

    return validate


def integer(lo: int, hi: int, kind: str = "whole_number"):
    """An integer from lo to hi. kind: 'whole_number', 'amount' (¥, 円, 万), 'count' (件, 名, 人), 'id'."""
    return Annotated[int, Field(ge=lo, le=hi), BeforeValidator(_integer(kind, lo, hi))]


Yen = integer(0, MAX_YEN, "amount")
Count = integer(0, MAX_COUNT, "count")
Id = integer(1, MAX_ID, "id")


# --- Booleans -----------------------------------------------------------------------------------------
def _flag(value: Any, info: ValidationInfo) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and _mode(info) != "json":
        text = value.strip().lower()
        if text in ("on", "true", "1", "yes"):
            return True
        if text in ("", "off", "false", "0", "no"):
            return False
    raise problem("boolean")


Flag = Annotated[bool, BeforeValidator(_flag)]


# --- Instants and dates -------------------------------------------------------------------------------
def _check_year(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise problem("year", min=str(YEARS[0]), max=str(YEARS[1]))  # shown as 2000, not 2,000


# After normalise() and with 年月日時分秒 read as separators: 2026-11-28T14:01, 2026/11/28 14:01:30, 2026.11.28 9:05,
# 2026-11-28T14:01+09:00, 2026年11月28日 14時01分, 2026年11月28日14:01, 2026年11月28日（土）14:01.
_LOCAL = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
                    r"(?:[T ](?P<H>\d{1,2})(?::(?P<M>\d{1,2}))?(?::(?P<S>\d{1,2})(?:\.(?P<f>\d{1,6})\d*)?)?"
                    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")
_JAPANESE_SEPARATORS = str.maketrans({"年": "-", "月": "-", "日": " ", "時": ":", "分": ":", "秒": " "})


def _local_fields(text: str) -> re.Match | None:
    s = normalise(text).translate(_JAPANESE_SEPARATORS)
    s = re.sub(r"\([月火水木金土日]\)", " ", s)  # a weekday, as in a date copied from the app's pages
    s = re.sub(r"\s*([:/.-])\s*", r"\1", s)
    s = re.sub(r"\s+", " ", s).strip().rstrip(":")
    return _LOCAL.fullmatch(s)


def read_local_instant(text: str) -> dt.datetime | None:
    """What a person types on a page → an aware instant; a time without an offset is Japan time.
    None when it is not a date with a time. 24:00 is the next day's 00:00, as Japanese deadlines say."""
    m = _local_fields(text)
    if m is None or m["H"] is None:
        return None
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    hour, minute, second = int(m["H"]), int(m["M"] or 0), int(m["S"] or 0)
    _check_year(year)
    tz: dt.tzinfo = TOKYO
    if m["tz"] == "Z":
        tz = dt.UTC
    elif m["tz"]:
        hh, mm = int(m["tz"][1:3]), int(m["tz"][-2:])
        if hh > 23 or mm > 59:
            return None
        tz = dt.timezone((-1 if m["tz"][0] == "-" else 1) * dt.timedelta(hours=hh, minutes=mm))
    try:
        if hour == 24 and minute == 0 and second == 0:
            return dt.datetime(year, month, day, tzinfo=tz) + dt.timedelta(days=1)
        return dt.datetime(year, month, day, hour, minute, second, int((m["f"] or "0").ljust(6, "0")), tzinfo=tz)
    except ValueError:
        return None


def read_local_date(text: str) -> dt.date | None:
    """'2026/11/28', '2026年11月28日', '2026-11-28', '２０２６．１１．２８' → a date; None otherwise."""
    m = _local_fields(text)
    if m is None or m["H"] is not None:
        return None
    _check_year(int(m["y"]))
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


def _instant(value: Any, info: ValidationInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):  # from Python callers (a view's "now", a test)
        if value.tzinfo is None or value.utcoffset() is None:
            raise problem("offset")
        _check_year(value.year)
        return value
    if not isinstance(value, str):
        raise problem("instant")  # a number of seconds is not an instant here
    if _mode(info) == "form":
        parsed = read_local_instant(value)
        if parsed is None:
            raise problem("instant")
        return parsed
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?", value.strip()):
        raise problem("instant")
    _check_year(int(value.strip()[:4]))
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise problem("instant") from None
    if parsed.tzinfo is None:
        raise problem("offset")
    return parsed


def _date(value: Any, info: ValidationInfo) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        _check_year(value.year)
        return value
    if not isinstance(value, str):
        raise problem("date")
    if _mode(info) == "form":
        parsed = read_local_date(value)
    else:
        parsed = None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            _check_year(int(value.strip()[:4]))
            try:
                parsed = dt.date.fromisoformat(value.strip())
            except ValueError:
                parsed = None
    if parsed is None:
        raise problem("date")
    return parsed


Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
Day = Annotated[dt.date, BeforeValidator(_date)]


# --- Text -------------------------------------------------------------------------------------------------
def check_text(value: str, *, multiline: bool = False, strip: bool = True) -> str:
    """Stripped; line breaks as \\n; no control character (NUL, ESC, …) and no lone surrogate, which no
    database column can hold; a multi-line text keeps its line breaks and tabs."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in value):
        raise problem("control_character")
    return value.strip() if strip else value


def _text(multiline: bool, strip: bool):
    def validate(value: Any) -> Any:
        return check_text(value, multiline=multiline, strip=strip) if isinstance(value, str) else value

    return validate


def text(max_length: int, *, min_length: int = 0, multiline: bool = False, required: bool = False,
         strip: bool = True):
    """Text of at most max_length characters; required: not blank; strip=False keeps outer spaces (passwords)."""
    bounds = Field(min_length=max(min_length, 1 if required else 0) or None, max_length=max_length)
    return Annotated[str, bounds, BeforeValidator(_text(multiline, strip))]


def clean_search(value: str | None, max_length: int = 200) -> str:
    """A search box's text, as a search needs it: control characters dropped (no database can hold NUL),
    stripped and cut at max_length. Nothing to refuse: a search for odd text finds nothing."""
    value = "".join(c for c in (value or "") if unicodedata.category(c) not in ("Cc", "Cs"))
    return value.strip()[:max_length]


Search = Annotated[str, Field(max_length=200), BeforeValidator(lambda v: clean_search(v) if isinstance(v, str) else v)]

# Legal forms a company name may carry or not, as people type it (after NFKC, so ㈱ is already (株)).
_LEGAL_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|相互会社|(?:一般|公益)(?:社団|財団)法人|特定非営利活動法人|npo法人"
    r"|医療法人|社会福祉法人|学校法人|独立行政法人|[(（][株有合同資名社財医学][)）]"
    r"|\bkabushiki\s*kaisha\b|\bco\.?,?\s*ltd\.?|\binc\.?$|\bk\.k\.?$")
_KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}


def search_key(text: str | None) -> str:
    """Text as the case search compares it: NFKC (full/half width alike), lower case, legal forms such as
    株式会社 or (株) left out, katakana as hiragana, and nothing but letters and digits (no spaces or dashes), so
    'ｶﾌﾞｼｷｶﾞｲｼｬ　とうきょう-商事' and '東京商事株式会社' are compared by what identifies them."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _LEGAL_FORMS.sub("", text).translate(_KATAKANA_TO_HIRAGANA)
    return "".join(c for c in text if c.isalnum())


# --- Phones and e-mail --------------------------------------------------------------------------------
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def read_phone(text: str) -> str | None:
    """A phone number as people write it in Japan → E.164: '090-1234-5678', '03(1234)5678', '+81 (0)90…',
    full-width; a domestic number gets +81 and loses its trunk 0. None when it cannot be a phone number."""
    s = normalise(text)
    if not re.fullmatch(r"\+?[\d\s\-().]+", s):
        return None
    try:
        number = phonenumbers.parse(s, "JP")
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if E164.match(e164) else None


def _phone(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        raise problem("phone")
    check_text(value)
    if _mode(info) == "form":
        value = read_phone(value)
    if value is None or not E164.match(value):
        raise problem("phone")
    return value


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        raise problem("email")
    value = check_text(value)
    if _mode(info) == "form":
        value = normalise(value)  # ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ
    if len(value) > 254 or not EMAIL.match(value):
        raise problem("email")
    return value


Phone = Annotated[str, Field(max_length=16, pattern=E164.pattern), BeforeValidator(_phone)]
Email = Annotated[str, Field(max_length=254), BeforeValidator(_email)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


BlankIsNone = BeforeValidator(_blank_is_none)  # Annotated[Phone | None, BlankIsNone]: "" means none


# --- Errors ---------------------------------------------------------------------------------------------
_PYDANTIC = {"missing": "required", "string_too_short": "required", "string_too_long": "text_too_long",
             "string_type": "text", "literal_error": "choice", "enum": "choice", "extra_forbidden": "unknown_field",
             "greater_than_equal": "too_small", "less_than_equal": "too_large", "too_long": "too_many",
             "too_short": "too_few", "bool_type": "boolean", "bool_parsing": "boolean", "list_type": "list",
             "model_type": "object", "model_attributes_type": "object", "dict_type": "object",
             "string_pattern_mismatch": "invalid", "int_type": "whole_number", "int_parsing": "whole_number",
             "datetime_type": "instant", "date_type": "date"}


def describe(error: dict) -> tuple[str, dict]:
    """A pydantic error (from ValidationError.errors()) → (problem kind, its context). Our own kinds are named so
    that none is also one of pydantic's error types."""
    if error["type"] in PROBLEMS:
        return error["type"], dict(error.get("ctx") or {})
    kind = _PYDANTIC.get(error["type"], "invalid")
    ctx = error.get("ctx") or {}
    if kind == "text_too_long":
        return kind, {"max": ctx.get("max_length")}
    if error["type"] == "string_too_short" and (ctx.get("min_length") or 1) > 1:
        return "text_too_short", {"min": ctx.get("min_length")}
    if kind in ("too_many", "too_few"):
        return kind, {"max": ctx.get("max_length"), "min": ctx.get("min_length")}
    if kind == "too_small":
        return kind, {"min": ctx.get("ge")}
    if kind == "too_large":
        return kind, {"max": ctx.get("le")}
    if kind == "choice":
        return kind, {"choices": ctx.get("expected", "")}
    if kind == "invalid":
        reason = str(ctx["error"]) if isinstance(ctx.get("error"), Exception) else error.get("msg", "")
        return kind, {"reason": reason.removeprefix("Value error, ")}
    return kind, {}


def field_name(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"]) or "body"


def api_fields(exc: ValidationError) -> dict[str, str]:
    """The API's error fields: the first problem of each field, in English, saying what to send."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        kind, ctx = describe(error)
        fields.setdefault(field_name(error), PROBLEMS[kind].api.format_map(_Blank(ctx)))
    return fields


class _Blank(dict):
    def __missing__(self, key):
        return ""
