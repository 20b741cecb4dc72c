"""Warnings the policy raises before a vendor is dispatched (DOMAIN C.3, C.6, I-5, I-8).

Two gates, decided here and documented in the README:
- consent (C.6): the work produces costs in a category that needs the insurer's prior written consent
  (④ advisory, ⑤ system restoration, …) and no consent is recorded for it yet;
- emergency work before a valid insurer notice (C.3, I-5): the work produces ① emergency-response costs
  (the attack is not confirmed) and the notice (the hotline call, Case.reported_at) is later than now, or
  was made after the 30-day window, so only ① costs inside the window would be covered.
"An attack not yet confirmed" alone does not warn: it is the normal state of a fresh case and a warning on
nearly every dispatch would teach coordinators to tick "override" without reading. The dispatch shows the
expected cost categories instead.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from vendors.capabilities import cost_categories
from workflows.calendar import TOKYO
from workflows.facts import CaseFacts


def notice_window_end(first_discovered_at: dt.datetime) -> dt.datetime:
    """First instant after the 30-day window: 00:00 JST of D0 + 31 (I-5: D0+1 … D0+30 inclusive)."""
    d0 = first_discovered_at.astimezone(TOKYO).date()
    return dt.datetime.combine(d0 + dt.timedelta(days=31), dt.time(0, 0), tzinfo=TOKYO)


CONSENT = ("Costs of this work fall under %(category)s (%(code)s), which needs the insurer's prior written "
           "consent; no consent is recorded for it yet.")
BEFORE_NOTICE = ("Emergency-response work ordered before the insurer notice (%(notice)s JST): under the 30-day rule, "
                 "① costs ordered before the notice are covered only inside the 30-day window.")
LATE_NOTICE = ("The insurer notice came after the 30-day window (last day %(last_day)s): ① emergency-response costs "
               "are covered only if they arose inside the window.")
LATE_NOTICE_ENDED = ("The insurer notice came after the 30-day window (last day %(last_day)s): ① emergency-response "
                     "costs are covered only if they arose inside the window, which has ended.")


def dispatch_warnings(capability: str, facts: CaseFacts, now: dt.datetime, *,
                      consent_required: Callable[[str], bool], category_name: Callable[[str], str],
                      consent_recorded: Callable[[str], bool] = lambda _code: False,
                      translate: Callable[[str], str] = lambda s: s) -> list[str]:
    """Human-readable warnings (English unless `translate` is given); empty when nothing is in the way."""
    warnings: list[str] = []
    categories = cost_categories(capability, facts.attack_confirmed)
    for code in categories:
        if consent_required(code) and not consent_recorded(code):
            warnings.append(translate(CONSENT) % {"category": category_name(code), "code": code})
    if "emergency_response" in categories:
        window_end = notice_window_end(facts.first_discovered_at)
        if facts.reported_at > now:
            warnings.append(translate(BEFORE_NOTICE)
                            % {"notice": f"{facts.reported_at.astimezone(TOKYO):%Y-%m-%d %H:%M}"})
        elif facts.reported_at >= window_end:
            last_day = f"{(window_end - dt.timedelta(days=1)).date():%Y-%m-%d}"
            warnings.append(translate(LATE_NOTICE_ENDED if now >= window_end else LATE_NOTICE)
                            % {"last_day": last_day})
    return warnings
