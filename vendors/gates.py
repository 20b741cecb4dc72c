"""Warnings the policy raises before a vendor is dispatched (DOMAIN C.3, C.6, I-5, I-8).

Two gates, decided here and documented in the README:
- consent (C.6): the work produces costs in a category that needs the insurer's prior written consent
  (④ advisory, ⑤ system restoration, …) and no consent is recorded for it yet;
- emergency work before a valid insurer notice (C.3, I-5): the work produces ① emergency-response costs
  (the attack is not confirmed), the policy's product has the 30-day rule (workflows.thirty_day), and the
  notice (the hotline call, Case.reported_at) is not before now, or was made after the window, so only ①
  costs inside the window would be covered.
"An attack not yet confirmed" alone does not warn: it is the normal state of a fresh case and a warning on
nearly every dispatch would teach coordinators to tick "override" without reading. The dispatch shows the
expected cost categories instead.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from vendors.capabilities import cost_categories
from workflows.facts import CaseFacts
from workflows.text import N_, Text
from workflows.thirty_day import ThirtyDayRule, ordered_before_notice

CONSENT = N_("Costs of this work fall under %(category)s, which needs the insurer's prior written consent; no "
             "consent is recorded for it yet.")
BEFORE_NOTICE = N_("Emergency-response work ordered before the insurer notice (%(notice)s JST): under the 30-day "
                   "rule, ① costs ordered before the notice are covered only inside the 30-day window.")
LATE_NOTICE = N_("The insurer notice came after the 30-day window (last day %(last_day)s): ① emergency-response "
                 "costs are covered only if they arose inside the window.")
LATE_NOTICE_ENDED = N_("The insurer notice came after the 30-day window (last day %(last_day)s): ① "
                       "emergency-response costs are covered only if they arose inside the window, which has ended.")


def dispatch_warnings(capability: str, facts: CaseFacts, now: dt.datetime, *, thirty_day: ThirtyDayRule | None,
                      consent_required: Callable[[str], bool], category_name: Callable[[str], Text | str],
                      consent_recorded: Callable[[str], bool] = lambda _code: False) -> list[Text]:
    """The warnings, as Texts to render in the reader's language; empty when nothing is in the way."""
    warnings: list[Text] = []
    categories = cost_categories(capability, facts.attack_confirmed)
    for code in categories:
        if consent_required(code) and not consent_recorded(code):
            warnings.append(Text(CONSENT, category=category_name(code)))
    if thirty_day is not None and "emergency_response" in categories:
        window = thirty_day.window(facts.first_discovered_at)
        if ordered_before_notice(facts.reported_at, ordered_at=now):  # the work is ordered now
            warnings.append(Text(BEFORE_NOTICE, notice=facts.reported_at))
        elif not window.in_time(facts.reported_at):
            warnings.append(Text(LATE_NOTICE_ENDED if now >= window.ends_at else LATE_NOTICE,
                                 last_day=window.last.isoformat()))
    return warnings
