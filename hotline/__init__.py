"""hotline: incident-response case management for a Japanese cyber-insurance hotline."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask


def create_app(overrides: dict | None = None) -> Flask:
    """The app factory. Configuration comes from the environment; `overrides` is for tests and tools."""
    root = Path(__file__).resolve().parent.parent
    # INSTANCE_PATH: where the generated secret key, the SQLite file and the demo logins live (default ./instance).
    instance = os.path.abspath(os.environ["INSTANCE_PATH"]) if os.environ.get("INSTANCE_PATH") else None
    app = Flask(__name__, static_folder=str(root / "static"), static_url_path="/static", instance_path=instance)

    from hotline import config

    app.config.update(config.from_environment(Path(app.instance_path)))
    app.config.update(overrides or {})

    from hotline import db, error_handlers, extensions, formatting, headers, i18n
    from hotline.auth import throttle
    from vendors import notifier

    app.extensions["hotline.engine"] = db.make_engine(app.config["DATABASE_URL"])
    app.extensions["hotline.notifier"] = notifier.from_config(app.config)  # built once: outbox or Twilio
    extensions.init_app(app)
    throttle.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    error_handlers.init_app(app)
    headers.init_app(app)

    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from hotline.blueprints import register_blueprints

    register_blueprints(app)

    from hotline.cli import register_cli

    register_cli(app)
    return app
