"""The one set of validators (hotline/validation.py), each format and each bound edge, with hand-written
expectations: strict on the API, Japanese-style input on the pages (FORM), ASCII digits in query strings (QUERY)."""
import datetime as dt

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from hotline.validation import (
    FORM,
    MAX_COUNT,
    MAX_ID,
    MAX_YEN,
    QUERY,
    Count,
    Day,
    Email,
    Flag,
    Id,
    Instant,
    Phone,
    Yen,
    api_fields,
    clean_search,
    text,
)
from workflows.calendar import TOKYO

JST = TOKYO
UTC = dt.UTC


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yen: Yen | None = None
    count: Count | None = None
    id: Id | None = None
    at: Instant | None = None
    day: Day | None = None
    phone: Phone | None = None
    email: Email | None = None
    flag: Flag | None = None
    line: text(10) | None = None
    lines: text(10, multiline=True) | None = None
    name: text(10, required=True) | None = None


def ok(field: str, value, context=None):
    return getattr(Sample.model_validate({field: value}, context=context), field)


def refused(field: str, value, context=None) -> tuple[str, str]:
    """(error type, the API's sentence) for a refused value."""
    with pytest.raises(ValidationError) as info:
        Sample.model_validate({field: value}, context=context)
    error = info.value.errors()[0]
    assert error["loc"] == (field,)
    return error["type"], api_fields(info.value)[field]


# --- Yen ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [(0, 0), (5000, 5000), (MAX_YEN, 10**12)])
def test_yen_on_the_api_is_a_json_integer_from_0_to_10_to_the_12(value, expected):
    assert ok("yen", value) == expected


@pytest.mark.parametrize("value, kind", [(-1, "too_small"), (10**12 + 1, "too_large"), (10**40, "too_large"),
                                         ("5000", "amount"), (5000.0, "amount"), (True, "amount"), ([1], "amount")])
def test_yen_on_the_api_refuses_strings_decimals_booleans_and_out_of_range(value, kind):
    assert refused("yen", value)[0] == kind


def test_the_api_says_what_to_send_for_an_amount():
    assert refused("yen", "5000") == ("amount", "an integer number of yen, e.g. 1200000 (a JSON integer, not a "
                                                "string)")
    assert refused("yen", -1) == ("too_small", "at least 0")
    assert refused("yen", 10**12 + 1) == ("too_large", "at most 1000000000000")


@pytest.mark.parametrize("typed, expected", [
    ("5000", 5000), ("5,000", 5000), ("５０００", 5000), ("５，０００", 5000), ("¥1,200,000", 1_200_000),
    ("￥１，２００，０００", 1_200_000), ("\\1,200,000", 1_200_000), ("1,200,000円", 1_200_000),
    ("5,000 円", 5000), ("120万円", 1_200_000), ("120万", 1_200_000), ("1億2,000万円", 120_000_000),
    ("1.5万円", 15_000), ("1万5千円", 15_000), ("3千円", 3000), ("0", 0), ("  42  ", 42),
    ("1,000,000,000,000", 10**12),
])
def test_yen_typed_on_a_page(typed, expected):
    assert ok("yen", typed, FORM) == expected


@pytest.mark.parametrize("typed, kind", [
    ("²", "amount"), ("①", "amount"), ("5²", "amount"), ("5,00", "amount"), ("1,2,3", "amount"),
    ("5000.0", "amount"), ("1.23456万", "amount"), ("12 345", "amount"), ("abc", "amount"), ("万円", "amount"),
    ("", "amount"), ("-5", "too_small"), ("－５", "too_small"), ("1" * 40, "too_large"),
    ("1,000,000,000,001", "too_large"), ("9" * 5000, "too_large"),
])
def test_yen_typed_on_a_page_refused(typed, kind):
    assert refused("yen", typed, FORM)[0] == kind


# --- Counts and ids -----------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, expected", [("5,000", 5000), ("５０００件", 5000), ("約5,000件", 5000),
                                             ("5000名", 5000), ("12人", 12), ("3社", 3), ("0", 0),
                                             ("1,000,000,000", MAX_COUNT)])
def test_counts_typed_on_a_page(typed, expected):
    assert ok("count", typed, FORM) == expected


def test_count_bounds():
    assert ok("count", 0) == 0 and ok("count", 10**9) == 10**9
    assert refused("count", 10**9 + 1)[0] == "too_large" and refused("count", -1)[0] == "too_small"
    assert refused("count", "5")[0] == "count"  # a string given as an integer on the API
    assert refused("count", "5,000円", FORM)[0] == "count"  # yen are not a count


def test_id_bounds_fit_the_32_bit_columns():
    assert ok("id", 1) == 1 and ok("id", 2**31 - 1) == MAX_ID
    assert refused("id", 0)[0] == "too_small" and refused("id", 2**31)[0] == "too_large"
    assert refused("id", "1") == ("id", "an id: a JSON integer from 1 to 2147483647")
    assert refused("id", "abc", FORM)[0] == "id" and ok("id", "12", FORM) == 12


@pytest.mark.parametrize("raw, expected", [("12", 12), ("0012", 12)])
def test_a_query_string_integer_is_ascii_digits(raw, expected):
    assert ok("id", raw, QUERY) == expected


@pytest.mark.parametrize("raw", ["²", "１２", "-1", "+1", " 1", "1.0", "1e3", "", "0x10", "1" * 31])
def test_a_query_string_integer_refuses_anything_else(raw):
    assert refused("id", raw, QUERY)[0] in ("id", "too_large")


# --- Instants ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    ("2026-04-10T23:30:00+09:00", dt.datetime(2026, 4, 10, 23, 30, tzinfo=JST)),
    ("2026-04-10T14:30:00Z", dt.datetime(2026, 4, 10, 23, 30, tzinfo=JST)),
    ("2026-04-10T14:30:00.123456+00:00", dt.datetime(2026, 4, 10, 14, 30, 0, 123456, tzinfo=UTC)),
    ("2026-04-10 23:30+0900", dt.datetime(2026, 4, 10, 23, 30, tzinfo=JST)),
    ("2000-01-01T00:00:00+09:00", dt.datetime(2000, 1, 1, tzinfo=JST)),
    ("2100-12-31T23:59:59+09:00", dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=JST)),
])
def test_an_instant_on_the_api_is_iso_8601_with_an_offset(value, expected):
    assert ok("at", value) == expected


@pytest.mark.parametrize("value, kind", [
    ("2026-04-10T23:30:00", "offset"), ("2026-04-10", "instant"), (1775831400, "instant"), (1775831400.5, "instant"),
    ("1775831400", "instant"), ("2026/04/10 23:30+09:00", "instant"), ("2026-02-30T10:00:00+09:00", "instant"),
    ("2026-04-10T24:00:00+09:00", "instant"), ("2026-04-10T10:00:00+25:00", "instant"),
    ("1999-12-31T23:59:59+09:00", "year"), ("2101-01-01T00:00:00+09:00", "year"),
    ("0001-01-01T00:00:00+09:00", "year"), ("9999-12-31T23:59:59Z", "year"), (True, "instant"), (None, None),
])
def test_an_instant_on_the_api_refused(value, kind):
    if value is None:
        assert ok("at", None) is None
        return
    assert refused("at", value)[0] == kind


def test_the_api_says_what_an_instant_is():
    assert refused("at", 1775831400)[1] == "an ISO 8601 instant with an offset, e.g. 2026-04-10T23:30:00+09:00"
    assert refused("at", "2026-04-10T23:30:00")[1] == "an instant needs an offset, e.g. 2026-04-10T23:30:00+09:00"
    assert refused("at", "0001-01-01T00:00:00+09:00")[1] == "a year from 2000 to 2100"


@pytest.mark.parametrize("typed, expected", [
    ("2026-11-28T14:01", (2026, 11, 28, 14, 1)),  # the browser's datetime-local picker
    ("2026-11-28T14:01:30", (2026, 11, 28, 14, 1, 30)),
    ("2026/11/28 14:01", (2026, 11, 28, 14, 1)),
    ("2026-11-28 14:01", (2026, 11, 28, 14, 1)),
    ("2026年11月28日 14時01分", (2026, 11, 28, 14, 1)),
    ("2026年11月28日14:01", (2026, 11, 28, 14, 1)),
    ("2026年11月28日 14時", (2026, 11, 28, 14, 0)),
    ("2026年11月28日（土）14:01", (2026, 11, 28, 14, 1)),
    ("２０２６年１１月２８日　１４時０１分", (2026, 11, 28, 14, 1)),
    ("２０２６／１１／２８　１４：０１", (2026, 11, 28, 14, 1)),
    ("2026/1/5 9:05", (2026, 1, 5, 9, 5)),
    ("2026.1.5 9:05", (2026, 1, 5, 9, 5)),
    ("2026/12/2 24:00", (2026, 12, 3, 0, 0)),  # 24:00 as deadlines are written: the next day's 00:00
    ("2000/01/01 00:00", (2000, 1, 1, 0, 0)),
    ("2100/12/31 23:59", (2100, 12, 31, 23, 59)),
])
def test_an_instant_typed_on_a_page_is_japan_time(typed, expected):
    assert ok("at", typed, FORM) == dt.datetime(*expected, tzinfo=JST)


def test_an_offset_typed_on_a_page_is_kept():
    assert ok("at", "2026-11-28T05:01Z", FORM) == dt.datetime(2026, 11, 28, 14, 1, tzinfo=JST)
    assert ok("at", "2026-11-28T14:01+09:00", FORM) == dt.datetime(2026, 11, 28, 14, 1, tzinfo=JST)


@pytest.mark.parametrize("typed, kind", [
    ("0001-01-01T00:00", "year"),  # in JST the year would become 0 in UTC
    ("9999-12-31T23:59", "year"), ("1999/12/31 23:59", "year"), ("2101/01/01 00:00", "year"),
    ("2026/11/28", "instant"),  # a day without a time is not an instant: ask for the time
    ("2026/02/30 10:00", "instant"), ("2026/11/28 25:00", "instant"), ("2026/11/28 24:01", "instant"),
    ("14:01", "instant"), ("昨日の夜", "instant"), ("²⁰²⁶/11/28 14:01", "instant"), ("", "instant"),
    ("2026-11-28T14:01+25:00", "instant"),
])
def test_an_instant_typed_on_a_page_refused(typed, kind):
    assert refused("at", typed, FORM)[0] == kind


def test_python_callers_give_aware_instants_in_range():
    now = dt.datetime(2026, 4, 10, 23, 30, tzinfo=JST)
    assert ok("at", now) == now
    assert refused("at", now.replace(tzinfo=None))[0] == "offset"
    assert refused("at", dt.datetime(1, 1, 1, tzinfo=JST))[0] == "year"


# --- Dates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [("2026-04-10", dt.date(2026, 4, 10)), ("2000-01-01", dt.date(2000, 1, 1)),
                                             ("2100-12-31", dt.date(2100, 12, 31))])
def test_a_date_on_the_api_is_yyyy_mm_dd(value, expected):
    assert ok("day", value) == expected


@pytest.mark.parametrize("value, kind", [("1999-12-31", "year"), ("2101-01-01", "year"), ("0001-01-01", "year"),
                                         ("9999-12-31", "year"), ("2026/04/10", "date"), ("2026-4-10", "date"),
                                         ("2026-04-10T00:00:00+09:00", "date"), ("2026-02-30", "date"),
                                         (20260410, "date"), (1775831400, "date")])
def test_a_date_on_the_api_refused(value, kind):
    assert refused("day", value)[0] == kind


@pytest.mark.parametrize("typed", ["2026-11-28", "2026/11/28", "2026年11月28日", "２０２６年１１月２８日",
                                   "2026.11.28", "2026/11/28(土)", "2026年11月28日（土）"])
def test_a_date_typed_on_a_page(typed):
    assert ok("day", typed, FORM) == dt.date(2026, 11, 28)


@pytest.mark.parametrize("typed, kind", [("0001-01-01", "year"), ("9999/12/31", "year"), ("1999/12/31", "year"),
                                         ("2101/01/01", "year"), ("2026/11/28 10:00", "date"), ("11/28", "date"),
                                         ("2026/13/01", "date")])
def test_a_date_typed_on_a_page_refused(typed, kind):
    assert refused("day", typed, FORM)[0] == kind


# --- Text -----------------------------------------------------------------------------------------------
def test_text_is_stripped_and_bounded():
    assert ok("line", "  株式会社テスト  ") == "株式会社テスト"
    assert ok("line", "x" * 10) == "x" * 10
    assert refused("line", "x" * 11) == ("string_too_long", "at most 10 characters")
    assert refused("name", "   ")[0] == "string_too_short" and refused("name", "")[0] == "string_too_short"
    assert refused("line", 5)[0] == "string_type"


@pytest.mark.parametrize("bad", ["a\x00b", "\x1b[31m", "a\x7fb", "a\x85b", "a\ud800b", "a\nb", "a\tb", "a\rb"])
def test_a_single_line_text_refuses_control_characters(bad):
    kind, sentence = refused("line", bad)
    assert kind == "control_character" and "NUL" in sentence


def test_a_multi_line_text_keeps_its_lines_and_tabs_only():
    assert ok("lines", "a\r\nb\tc\rd") == "a\nb\tc\nd"
    assert refused("lines", "a\x00b")[0] == "control_character"
    assert refused("lines", "a\x0bb")[0] == "control_character"


def test_a_search_drops_what_no_database_holds():
    assert clean_search(" 株式会社\x00テスト ") == "株式会社テスト" and clean_search(None) == ""
    assert clean_search("x" * 300) == "x" * 200


# --- Phones, e-mail, flags ---------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, expected", [
    ("090-1234-5678", "+819012345678"), ("09012345678", "+819012345678"), ("03(1234)5678", "+81312345678"),
    ("03-1234-5678", "+81312345678"), ("+81 90 1234 5678", "+819012345678"), ("+81 (0)90-1234-5678", "+819012345678"),
    ("０９０－１２３４－５６７８", "+819012345678"), ("０９０ー１２３４ー５６７８", "+819012345678"),
    ("+８１９０１２３４５６７８", "+819012345678"), ("+81-3-0000-0100", "+81300000100"),
    ("0120-123-456", "+81120123456"), ("+1 415 555 0100", "+14155550100"), ("+819012345678", "+819012345678"),
])
def test_phones_typed_on_a_page_become_e164(typed, expected):
    assert ok("phone", typed, FORM) == expected


@pytest.mark.parametrize("typed", ["03-1234", "12", "abc", "090-1234-5678 内線12", "090-1234-5678\x00", "+81 ",
                                   "phone", "0" * 30])
def test_phones_typed_on_a_page_refused(typed):
    assert refused("phone", typed, FORM)[0] in ("phone", "control_character")


def test_a_phone_on_the_api_is_e164_only():
    assert ok("phone", "+819012345678") == "+819012345678"
    for bad in ("090-1234-5678", "+81 90 1234 5678", "819012345678", 819012345678):
        assert refused("phone", bad) == ("phone", "a phone number in E.164, e.g. +819012345678")


def test_email():
    assert ok("email", " yamada@example.jp ") == "yamada@example.jp"
    assert ok("email", "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", FORM) == "yamada@example.jp"
    assert refused("email", "yamada") == ("email", "an e-mail address, e.g. name@example.jp")
    assert refused("email", "a@" + "b" * 250 + ".jp")[0] == "email"


def test_flags():
    assert ok("flag", True) is True and ok("flag", "on", FORM) is True and ok("flag", "", FORM) is False
    assert refused("flag", "true") == ("boolean", "true or false")  # the API wants a JSON boolean
    assert refused("flag", 1)[0] == "boolean" and refused("flag", "maybe", FORM)[0] == "boolean"


def test_unknown_fields_and_literals_say_what_to_send():
    from typing import Literal

    class Choice(BaseModel):
        model_config = ConfigDict(extra="forbid")
        source: Literal["internal", "other"]

    with pytest.raises(ValidationError) as info:
        Choice.model_validate({"source": "x", "extra": 1})
    assert api_fields(info.value) == {"source": "one of 'internal' or 'other'", "extra": "unknown field"}
    with pytest.raises(ValidationError) as info:
        Choice.model_validate({})
    assert api_fields(info.value) == {"source": "required"}


def test_no_kind_of_ours_is_also_one_of_pydantics_error_types():
    import typing

    from pydantic_core.core_schema import ErrorType

    from hotline.validation import PROBLEMS

    assert not set(PROBLEMS) & set(typing.get_args(ErrorType))


def test_list_bounds_say_how_many():
    from pydantic import Field

    class Lists(BaseModel):
        items: list[text(5)] = Field(min_length=1, max_length=2)

    for value, expected in (([], "at least 1 item(s)"), (["a", "b", "c"], "at most 2 items")):
        with pytest.raises(ValidationError) as info:
            Lists.model_validate({"items": value})
        assert api_fields(info.value) == {"items": expected}
