"""Sections other domains add to the case page, without editing its template.

Each entry is a function, imported here (a broken section module stops the app at start-up), called as
fn(session=..., case=..., policy=..., user=...); it returns {"template": "...html", "context": {...}} or None
(nothing to show, e.g. the user may not see it). Sections are rendered in this order below the deadlines.
"""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from hotline.costs.views import case_section as costs_section
from hotline.dispatch.views import case_section as dispatch_section
from hotline.dispatch.views import proposals_section
from hotline.messages.views import case_section as messages_section
from hotline.phases.views import case_section as phases_section
from hotline.timeline.views import case_section as timeline_section

CASE_SECTIONS = (
    proposals_section,  # the next actions: a vendor proposed for each capability the active phases need
    phases_section,  # response phases and checklists (issue 5): the active ones open, the others folded
    dispatch_section,  # vendors engaged, dispatch (issue 6)
    messages_section,  # messages with the insured, their page, the claim report (issue 12)
    costs_section,  # costs and coverage (issue 4)
    timeline_section,  # latest timeline events (issue 5)
)


def render_sections(*, session, case, policy, user) -> list[Markup]:
    out = []
    for section_of in CASE_SECTIONS:
        section = section_of(session=session, case=case, policy=policy, user=user)
        if section:
            out.append(Markup(render_template(section["template"], case=case, policy=policy,
                                              **section.get("context", {}))))
    return out
