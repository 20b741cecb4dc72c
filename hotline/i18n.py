"""Japanese and English pages with Flask-Babel.

English strings are the message ids; each domain folder keeps its own Japanese catalogue in
`<folder>/translations/ja/LC_MESSAGES/messages.po`, so domains do not edit one shared file.
Catalogues are compiled to .mo in the instance folder when the app is created (compiled files
are build output and never committed).
"""
from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel
from flask_login import current_user

from workflows.calendar import TOKYO

LANGUAGES = ("ja", "en")
ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("hotline", "vendors", "workflows")


def _catalogues() -> list[Path]:
    found: list[Path] = []
    for top in SOURCE_DIRS:
        found += sorted((ROOT / top).glob("**/translations/*/LC_MESSAGES/messages.po"))
    return found


def compile_catalogues(target: Path) -> list[str]:
    """Compile every .po into target/<its folder>/<lang>/LC_MESSAGES/messages.mo; returns the directories."""
    dirs = []
    for po in _catalogues():
        lang = po.parent.parent.name
        # Keyed by the catalogue's folder, not its position: a catalogue added later must not be served
        # another domain's older .mo that happens to sit at the same index.
        out_dir = target / po.parents[3].relative_to(ROOT).as_posix().replace("/", "_")
        mo = out_dir / lang / "LC_MESSAGES" / "messages.mo"
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            tmp = mo.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                write_mo(f, catalog)
            os.replace(tmp, mo)  # atomic: several workers may start at once
        dirs.append(str(out_dir))
    return dirs


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def select_timezone() -> str:
    return TOKYO.key


def init_app(app: Flask) -> None:
    dirs = compile_catalogues(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs) or "translations"
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.context_processor
    def _lang():
        from flask_babel import get_locale

        return {"current_lang": str(get_locale()), "user": current_user}
