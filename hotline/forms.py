"""Page forms: the API's own schemas, validated in form mode (hotline/validation.py reads Japanese-style input
first), with each error in the page's language, keyed by its field for templates/_form.html.

A view reads a form with `read_form(Model, request.form, ...)`; on `ValidationError` or `Invalid` it shows the
form again with `page_errors(exc)` and what was typed (request.form), and answers 422.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TypeVar

from flask_babel import gettext
from pydantic import BaseModel, ValidationError

from hotline.errors import Invalid
from hotline.validation import FORM, PROBLEMS, describe, field_name
from workflows.calendar import TOKYO

M = TypeVar("M", bound=BaseModel)


def read_form(model: type[M], form: Mapping, *, fields: Iterable[str] | None = None, checkboxes: Iterable[str] = (),
              lists: Iterable[str] = (), clear: Iterable[str] = (), values: Mapping | None = None) -> M:
    """Validate the form's fields against `model` in form mode. A blank field is left out, so its default
    applies or "required" is said, unless it is in `clear` (an edit form: blank clears the value). An unticked
    checkbox is false; a list field takes every value sent. `values` are added as they are (e.g. a resolved
    policy id). Raises pydantic's ValidationError."""
    checkboxes, lists, clear = set(checkboxes), set(lists), set(clear)
    data: dict = {}
    for name in fields if fields is not None else model.model_fields:
        if name in checkboxes:
            data[name] = form.get(name, "") or ""
        elif name in lists:
            data[name] = [v for v in form.getlist(name) if v.strip()]
        elif name in form:
            raw = form.get(name) or ""
            if raw.strip():
                data[name] = raw
            elif name in clear:
                data[name] = None
    data.update(values or {})
    return model.model_validate(data, context=FORM)


def read_files(files, field: str = "file") -> list:
    """The files of a multipart field as receipts' uploads (hotline/costs/receipts.Upload); an empty file input
    (nothing chosen) sends a part without a name, which is no file."""
    from hotline.costs.receipts import Upload

    return [Upload(f.filename or "", f.read()) for f in files.getlist(field) if f.filename]


def _shown(value):
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def page_errors(exc: Exception, *, prefix: str = "") -> dict[str, str]:
    """Each field's first error in the page's language, saying what to type. Domain errors (hotline.errors.Invalid)
    are translated by their sentence; a validation error by its kind (hotline/validation.py PROBLEMS)."""
    errors: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            kind, ctx = describe(error)
            try:
                message = gettext(PROBLEMS[kind].page, **{k: _shown(v) for k, v in ctx.items()})
            except (KeyError, ValueError, TypeError):  # a message without its number still says what to do
                message = gettext(PROBLEMS["invalid"].page)
            errors.setdefault(prefix + field_name(error), message)
    elif isinstance(exc, Invalid):
        for field, why in exc.fields.items():
            errors.setdefault(prefix + field, gettext(why))
    return errors


def local_value(value: dt.datetime | None) -> str:
    """An instant as a page shows it in a date-and-time field: Japan time, the way people write it."""
    return "" if value is None else value.astimezone(TOKYO).strftime("%Y/%m/%d %H:%M")


def local_date(value: dt.date | None) -> str:
    return "" if value is None else value.strftime("%Y/%m/%d")
