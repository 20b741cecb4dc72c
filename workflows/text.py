"""What the rules say, as message ids and parameters: rendered in the reader's language at the edge.

Rules (workflows/, vendors/, the coverage engine) never format a sentence: they return a `Text`, an English
msgid of the one gettext catalogue (hotline/translations) with its parameters, and the edge renders it with
`hotline.i18n.render(text, lang)` in the language of whoever reads it (the API reads English). `N_` marks a
msgid for extraction without translating it (pybabel extract -k N_ -k Text).

A parameter may be another Text (a phase title, a category name), a `dt.date` (a day: "2026-04-10 (Fri)",
"2026年4月10日（金）"), an aware `dt.datetime` (an instant in Tokyo time), a list (joined in the reader's
language), a Yen (an amount: ¥1,000) or plain text and numbers, shown as they are.
"""
from __future__ import annotations

from typing import Any


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue; translated later, where it is read."""
    return msgid


class Text:
    """Text("%(amount)s not paid", amount="¥1,000"): a msgid and its parameters. Small (two slots), as the
    coverage engine keeps one per reason for every line of a policy period."""
    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any):
        self.msgid, self.params = msgid, params

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def json(self) -> dict:
        """For a JSON column: {"msgid", "params"} with nested Texts, days and instants made JSON-safe."""
        return {"msgid": self.msgid, "params": {k: to_json(v) for k, v in self.params.items()}}


class Yen(int):
    """An amount as a parameter, formatted only when a sentence is rendered: ¥1,000 in either language."""
    __slots__ = ()

    def __str__(self) -> str:
        return f"¥{int(self):,}"


def to_json(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, Text):
        return value.json()
    if isinstance(value, Yen):
        return {"yen": int(value)}
    if isinstance(value, dt.datetime):
        return {"instant": value.isoformat()}
    if isinstance(value, dt.date):
        return {"day": value.isoformat()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of `to_json`: a stored parameter back to what the renderer formats."""
    import datetime as dt

    if isinstance(value, dict):
        if "msgid" in value:
            return Text(value["msgid"], **{k: from_json(v) for k, v in (value.get("params") or {}).items()})
        if "instant" in value:
            return dt.datetime.fromisoformat(value["instant"])
        if "day" in value:
            return dt.date.fromisoformat(value["day"])
        if "yen" in value:
            return Yen(value["yen"])
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
