"""The top navigation: one entry per page a role may open. Domains add their entry here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from hotline.auth.permissions import can, current_principal


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when shown
    permission: str | None  # None: every logged-in user
    staff_only: bool = False  # insureds have their own pages for it (hotline/portal)


NAV: list[NavItem] = [
    NavItem("dashboard.index", _l("Dashboard"), None),
    NavItem("cases.index", _l("Case list"), "case.read", staff_only=True),
    NavItem("cases.new_case", _l("New case"), "case.create"),
    NavItem("orgs.index", _l("Policies"), "organization.read"),
    NavItem("vendors.index", _l("Vendors"), "vendor.read"),
    NavItem("calls.log", _l("Calls"), "call.read"),
    NavItem("outbox.index", _l("Outbox"), "outbox.read"),
    NavItem("timeline.metrics", _l("Metrics"), "metrics.read"),
    NavItem("auth.users", _l("Users"), "user.manage"),
    NavItem("calls.roster", _l("Phone roster"), "roster.manage"),
    NavItem("calls.simulator_page", _l("Phone simulator"), "call.simulate"),
]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _nav():
        def nav_items():
            user = current_principal()
            return [{"url": url_for(i.endpoint), "label": i.label} for i in NAV if allowed(user, i)]

        def case_search() -> bool:
            """The top bar's search box (and its `/` shortcut, static/search.js): on every staff page."""
            user = current_principal()
            return allowed(user, NavItem("cases.index", "", "case.read", staff_only=True))

        return {"nav_items": nav_items, "case_search": case_search}


def allowed(user, item: NavItem) -> bool:
    return (user is not None and (item.permission is None or can(user, item.permission))
            and not (item.staff_only and not user.role.is_staff))
