"""How instants and yen are shown: Asia/Tokyo for people, ISO 8601 +09:00 for the API."""
from __future__ import annotations

import datetime as dt

from flask import Flask

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


def init_app(app: Flask) -> None:
    from hotline.i18n import page_lang

    # The 億/万 reading of an amount is Japanese: English pages read the amount in yen.
    app.jinja_env.filters.update(jst=jst, yen=yen, iso=iso,
                                 yen_short=lambda n: yen_short(n) if page_lang() == "ja" else yen(n))
