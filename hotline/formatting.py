"""How instants, yen, phone numbers and case references are shown: Asia/Tokyo for people, ISO 8601 +09:00 for
the API; phones as people in Japan write them (03-0000-0100) behind a tel: link; references as links."""
from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from flask import Flask, url_for
from markupsafe import Markup, escape

from workflows.calendar import TOKYO


def to_tokyo(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(TOKYO)


def iso(value: dt.datetime | None) -> str | None:
    """API output: an ISO 8601 instant in Tokyo time, e.g. 2026-04-10T23:30:00+09:00."""
    return None if value is None else value.astimezone(TOKYO).isoformat()


def jst(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.astimezone(TOKYO).strftime(fmt)


def yen(amount: int | None) -> str:
    return "" if amount is None else f"¥{amount:,}"


def yen_short(amount: int | None) -> str:
    """Japanese reading of a large amount: 1億2,000万円, 300万円, 5,000円."""
    if amount is None:
        return ""
    sign, n = ("-" if amount < 0 else ""), abs(amount)
    oku, rest = divmod(n, 100_000_000)
    man, en = divmod(rest, 10_000)
    parts = []
    if oku:
        parts.append(f"{oku:,}億")
    if man:
        parts.append(f"{man:,}万")
    if en or not parts:
        parts.append(f"{en:,}")
    return sign + "".join(parts) + "円"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (OWASP's list)


def spreadsheet_safe(value):
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ TAB or CR gets a leading '.
    Numbers are written as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def phone_text(e164: str | None) -> str:
    """A stored E.164 number as people write it: Japanese numbers in the national format (090-1234-5678,
    03-0000-0100), others internationally (+44 7911 123456); anything unreadable as it is."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "JP")
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 81 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def phone_link(e164: str | None) -> Markup:
    """A phone number to tap: <a href="tel:+81300000100">03-0000-0100</a>."""
    if not e164:
        return Markup("")
    return Markup('<a class="tel" href="tel:{}">{}</a>').format(e164, phone_text(e164))


REFERENCE = re.compile(r"(?<![A-Za-z0-9-])CY-\d{4}-\d{6}(?!\d)")  # also right after a kanji: 案件CY-2026-000123
LINK = re.compile(r"https?://[^\s<>\"']+")


def linked(text: str | None) -> Markup:
    """Plain text (an SMS, an e-mail) with its links clickable and its case references linked to the case,
    everything else escaped."""
    out, last = [], 0
    text = text or ""
    for m in re.finditer(f"{LINK.pattern}|{REFERENCE.pattern}", text):
        out.append(escape(text[last:m.start()]))
        found = m.group(0)
        href = found if LINK.fullmatch(found) else url_for("cases.show", reference=found)
        out.append(Markup('<a href="{}"{}>{}</a>').format(href, Markup(' class="ref"') if href != found else "",
                                                          found))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def init_app(app: Flask) -> None:
    from hotline.i18n import page_lang

    # The 億/万 reading of an amount is Japanese: English pages read the amount in yen.
    app.jinja_env.filters.update(jst=jst, yen=yen, iso=iso, phone=phone_link, phone_text=phone_text, linked=linked,
                                 yen_short=lambda n: yen_short(n) if page_lang() == "ja" else yen(n))
