"""Where the pages and API modules are plugged into the app."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hotline import navigation
    from hotline.api import make_api_blueprint
    from hotline.auth.views import bp as auth_pages
    from hotline.dashboard.views import bp as dashboard_pages
    from hotline.orgs.api import bp as orgs_api
    from hotline.orgs.views import bp as orgs_pages
    from hotline.outbox.api import bp as outbox_api
    from hotline.outbox.views import bp as outbox_pages

    for pages in (auth_pages, dashboard_pages, outbox_pages, orgs_pages):
        app.register_blueprint(pages)
    app.register_blueprint(make_api_blueprint([orgs_api, outbox_api]))
    navigation.init_app(app)
