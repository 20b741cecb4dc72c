"""Where the pages and API modules are plugged into the app."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from hotline import navigation
    from hotline.api import make_api_blueprint
    from hotline.auth.views import bp as auth_pages
    from hotline.cases.api import bp as cases_api
    from hotline.cases.views import bp as cases_pages
    from hotline.dashboard.views import bp as dashboard_pages
    from hotline.orgs.api import bp as orgs_api
    from hotline.orgs.views import bp as orgs_pages
    from hotline.outbox.api import bp as outbox_api
    from hotline.outbox.views import bp as outbox_pages
    from hotline.phases.api import bp as phases_api
    from hotline.phases.views import bp as phases_pages
    from hotline.timeline.api import bp as timeline_api
    from hotline.timeline.views import bp as timeline_pages

    for pages in (auth_pages, dashboard_pages, outbox_pages, orgs_pages):
        app.register_blueprint(pages)
    app.register_blueprint(cases_pages)  # intake, the case page (issue 3)
    for pages in (phases_pages, timeline_pages):  # the response workflow (issue 5)
        app.register_blueprint(pages)
    from hotline.dispatch.api import bp as dispatch_api  # vendors and dispatch (issue 6)
    from hotline.dispatch.twilio_hooks import bp as dispatch_twilio
    from hotline.dispatch.views import bp as dispatch_pages

    app.register_blueprint(dispatch_pages)
    app.register_blueprint(dispatch_twilio)
    from hotline.costs.api import bp as costs_api  # cost ledger and coverage (issue 4)
    from hotline.costs.views import bp as costs_pages

    app.register_blueprint(costs_pages)
    # The insured's portal: accounts, their pages, messages, receipts, the claim report (issue 12).
    from hotline.accounts.api import bp as accounts_api
    from hotline.accounts.views import bp as accounts_pages
    from hotline.claims.api import bp as claims_api
    from hotline.claims.views import bp as claims_pages
    from hotline.messages.api import bp as messages_api
    from hotline.messages.views import bp as messages_pages
    from hotline.portal.views import bp as portal_pages

    for pages in (accounts_pages, portal_pages, messages_pages, claims_pages):
        app.register_blueprint(pages)
    # The phone line: Twilio's voice webhooks, the operators' panel, the caller log, the roster (issue 10).
    from hotline.calls.api import bp as calls_api
    from hotline.calls.views import bp as calls_pages
    from hotline.calls.webhooks import bp as calls_twilio

    app.register_blueprint(calls_twilio)
    app.register_blueprint(calls_pages)
    from hotline.outbox.webhooks import bp as outbox_twilio  # incoming texts, delivery status (issue 10)
    from hotline.texts.webhooks import bp as texts_twilio

    app.register_blueprint(texts_twilio)
    app.register_blueprint(outbox_twilio)
    app.register_blueprint(make_api_blueprint([orgs_api, outbox_api, cases_api, phases_api, timeline_api, dispatch_api,
                                               costs_api, accounts_api, messages_api, claims_api, calls_api]))
    navigation.init_app(app)
