"""Sections other domains add to the case page, without editing its template.

Add a "module:function" reference to CASE_SECTIONS. Each function is called as
fn(session=..., case=..., policy=..., user=...) and returns {"template": "...html", "context": {...}} or None
(nothing to show, e.g. the user may not see it). Sections are rendered in list order below the deadlines.
"""
from __future__ import annotations

import importlib
import logging

from flask import render_template
from markupsafe import Markup

log = logging.getLogger(__name__)

CASE_SECTIONS: list[str] = [
    "hotline.costs.views:case_section",  # costs and coverage (issue 4)
    "hotline.dispatch.views:case_section",  # vendors engaged, dispatch (issue 6)
    "hotline.phases.views:case_section",  # response phases and checklists (issue 5)
    "hotline.timeline.views:case_section",  # latest timeline events (issue 5)
]


def render_sections(*, session, case, policy, user) -> list[Markup]:
    out = []
    for ref in CASE_SECTIONS:
        module, _, name = ref.partition(":")
        section = getattr(importlib.import_module(module), name)(session=session, case=case, policy=policy,
                                                                 user=user)
        if section:
            out.append(Markup(render_template(section["template"], case=case, policy=policy,
                                              **section.get("context", {}))))
    return out
