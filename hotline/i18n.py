"""Japanese and English, one mechanism: one gettext catalogue for every sentence a person reads.

English strings are the message ids; `hotline/translations/ja/LC_MESSAGES/messages.po` holds the Japanese,
regenerated with pybabel from `babel.cfg` (Python in hotline/, workflows/, vendors/, the Jinja templates, and
the English of the product and task-template YAML files through `extract_yaml` below; README, "Translations").
The catalogue is compiled in memory when the app is created (a broken file stops start-up) and once per
process, so pages (through Flask-Babel), SMS bodies written by the clock, and the API read the same one.

`render(value, lang)` turns what the rules and the audit log say (workflows.text.Text: a msgid and its
parameters) into a sentence in a language: pages render in the reader's (`page_lang()`, the Jinja filter
`say`), the API in English, a message in its recipient's (`User.language`, `Case.contact_language`).
Deadlines read one way everywhere through `deadline_view`.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, request, session
from flask_babel import Babel, Domain, get_locale
from flask_login import current_user

from workflows.calendar import TOKYO
from workflows.text import N_, Text

LANGUAGES = ("ja", "en")
DEFAULT_MESSAGE_LANGUAGE = "ja"  # a person who has not chosen gets Japanese messages
CATALOGUE = Path(__file__).resolve().parent / "translations"


def catalogue_path(lang: str) -> Path:
    return CATALOGUE / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of `lang` (English: the msgids themselves), once per process."""
    po = catalogue_path(lang)
    if lang == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def language(lang: object) -> str:
    """'ja' or 'en' from a locale, a string or None (anything else reads English)."""
    text = str(lang or "")
    return "ja" if text.startswith("ja") else "en"


def gettext_in(lang: str, msgid: str) -> str:
    return translations(language(lang)).ugettext(msgid)


# --- Rendering -------------------------------------------------------------------------------------------
def render(value, lang: str) -> str:
    """A Text (or a parameter value) as a sentence in `lang`. Plain strings are shown as they are: what a
    person typed, a name, or a sentence stored before the catalogue existed."""
    if value is None:
        return ""
    if isinstance(value, Text):
        sentence = gettext_in(lang, value.msgid)
        if value.params:
            sentence = sentence % {k: _param(v, lang) for k, v in value.params.items()}
        return sentence
    return _param(value, lang)


def _param(value, lang: str) -> str:
    if isinstance(value, Text):
        return render(value, lang)
    if isinstance(value, dt.datetime):
        return instant(value, lang)
    if isinstance(value, dt.date):
        return day(value, lang)
    if isinstance(value, list | tuple):
        return gettext_in(lang, N_("; ")).join(_param(v, lang) for v in value)
    if isinstance(value, bool):
        return render(Text(N_("yes")) if value else Text(N_("no")), lang)
    return str(value)


def day(value: dt.date, lang: str) -> str:
    """A calendar day with its weekday: 2026-04-10 (Fri), 2026年4月10日（金）."""
    return format_date(value, gettext_in(lang, N_("yyyy-MM-dd (EEE)")), locale=language(lang))


def instant(value: dt.datetime, lang: str) -> str:
    """An instant in Tokyo time: 2026-04-10 23:30, 2026年4月10日 23:30."""
    local = value.astimezone(TOKYO)
    pattern = gettext_in(lang, N_("yyyy-MM-dd HH:mm"))
    return format_datetime(local.replace(tzinfo=None), pattern, locale=language(lang))


def time_left(delta: dt.timedelta, lang: str) -> str:
    """Time left in the reader's units, or how long ago it passed: 4 d 7 h left / あと4日7時間, and
    34 d 16 h overdue / 34日16時間超過. Minutes only under a day."""
    seconds = int(delta.total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if seconds >= 0:
        text = (Text(N_("%(d)s d %(h)s h left"), d=days, h=hours) if days else
                Text(N_("%(h)s h %(m)s min left"), h=hours, m=mins) if hours else Text(N_("%(m)s min left"), m=mins))
    else:
        text = (Text(N_("%(d)s d %(h)s h overdue"), d=days, h=hours) if days else
                Text(N_("%(h)s h %(m)s min overdue"), h=hours, m=mins) if hours else
                Text(N_("%(m)s min overdue"), m=mins))
    return render(text, lang)


@dataclass(frozen=True)
class DeadlineView:
    """One deadline as everyone reads it: `when` (12月2日（水）24:00まで, by Wed 2 Dec 24:00), `left`
    (あと4日7時間, 34日16時間超過; empty once met or not applicable), `overdue` and `soon` (under two days)."""
    when: str
    left: str
    overdue: bool
    soon: bool


def deadline_when(due_at: dt.datetime | None, last_day: dt.date | None, lang: str, *,
                  now: dt.datetime | None = None) -> str:
    """The last moment of a deadline: a day-based one ends at 24:00 of its last day (JST), an instant-based
    one (GDPR's 72 hours) at its minute. The year is named when it is not the current one."""
    if due_at is None and last_day is None:
        return ""
    this_year = (now or dt.datetime.now(dt.UTC)).astimezone(TOKYO).year
    if last_day is not None:
        the_day, time = last_day, "24:00"
    else:
        local = due_at.astimezone(TOKYO)
        the_day, time = local.date(), f"{local:%H:%M}"
    pattern = N_("EEE d MMM") if the_day.year == this_year else N_("EEE d MMM y")
    shown = format_date(the_day, gettext_in(lang, pattern), locale=language(lang))
    return render(Text(N_("by %(day)s %(time)s"), day=shown, time=time), lang)


def deadline_view(deadline, lang: str, now: dt.datetime) -> DeadlineView:
    """For a deadline row (or anything with due_at, last_day, status, met_at)."""
    when = deadline_when(deadline.due_at, deadline.last_day, lang, now=now)
    unmet = deadline.status in ("open", "missed") and deadline.met_at is None and deadline.due_at is not None
    if not unmet:
        return DeadlineView(when, "", False, False)
    left = deadline.due_at - now
    return DeadlineView(when, time_left(left, lang), left.total_seconds() < 0,
                        0 <= left.total_seconds() < 2 * 86400)


# --- The page's language ---------------------------------------------------------------------------------
def select_locale() -> str:
    """?lang= (kept for the session), the session, the user's chosen language, the browser, English."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def page_lang() -> str:
    """The language of the page being rendered: 'ja' or 'en'."""
    return language(get_locale())


def select_timezone() -> str:
    return TOKYO.key


class _OneCatalogue(Domain):
    """Flask-Babel reads the same in-memory catalogue as everything else."""

    def get_translations(self):
        return translations(page_lang())


def init_app(app: Flask) -> None:
    translations("ja")  # compiled now: a broken catalogue stops the app at start-up
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel = Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel.domain_instance = _OneCatalogue()
    app.jinja_env.filters["say"] = lambda value: render(value, page_lang())
    # A msgid held in data (a product's name, a category's explanation), translated as it is: no % formatting.
    app.jinja_env.filters["translate"] = lambda msgid: gettext_in(page_lang(), msgid)
    app.jinja_env.globals["deadline_view"] = lambda d, now: deadline_view(d, page_lang(), now)

    @app.context_processor
    def _lang():
        return {"current_lang": page_lang(), "user": current_user}


# --- Extraction of the English in data files (babel.cfg names it) ------------------------------------------
def extract_yaml(fileobj, keywords, comment_tags, options):
    """pybabel extractor: the string values of the keys named in `options["keys"]` anywhere in a YAML file,
    and every string inside the mappings under `options["values_of"]` (space separated), as msgids: the
    product names, explanations and decisions, the task templates' titles."""
    keys = set(options.get("keys", "").split())
    values_of = set(options.get("values_of", "").split())
    text = fileobj.read().decode("utf-8")
    lines = text.splitlines()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in keys and isinstance(v, str):
                    yield v
                elif k in values_of and isinstance(v, dict):
                    yield from (x for x in v.values() if isinstance(x, str))
                else:
                    yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    for msgid in walk(yaml.safe_load(text)):
        lineno = next((i for i, line in enumerate(lines, 1) if msgid[:40] in line), 0)
        yield lineno, "", msgid, []
