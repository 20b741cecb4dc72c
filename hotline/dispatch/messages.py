"""What the vendor's on-call contact receives: the SMS text (in the vendor's language) and the voice script
(Japanese: the call reads it with Twilio's Japanese voice)."""
from __future__ import annotations

import datetime as dt

from hotline.i18n import render
from vendors import capabilities
from workflows.text import N_, Text

SMS_BRIEF_CHARS = 280  # the brief is cut for SMS; the answer page shows it whole
# What a vendor hears or reads after answering by phone or by text (dispatch.service.respond's outcomes).
OUTCOME_TEXT = {
    "accepted": N_("Thank you for accepting. The coordinator will contact you."),
    "declined": N_("Understood. We will ask the next vendor."),
    "already_used": N_("This request has already been answered."),
    "superseded": N_("This request has passed to another vendor or has ended. Please call the coordinator."),
}


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sms(reference: str, dispatch, step, deadline: dt.datetime, link: str, *, lang: str = "ja") -> str:
    return render(Text(N_("[Cyber incident response: dispatch request] %(vendor)s, for %(contact)s\n"
                          "Case %(reference)s / %(capability)s\n%(brief)s\n"
                          "Please accept or decline by %(when)s JST: %(link)s\n"
                          "Or reply YES or NO to this text."),
                       vendor=step.vendor_name, contact=step.contact_name, reference=reference,
                       capability=capabilities.name(dispatch.capability), brief=_short(dispatch.brief, SMS_BRIEF_CHARS),
                       when=deadline, link=link), lang)


def voice_script(reference: str, dispatch) -> str:
    return render(Text(N_("This is the cyber incident hotline with a request for %(capability)s. Case number "
                          "%(reference)s. The request: %(brief)s"), capability=capabilities.name(dispatch.capability),
                       reference=" ".join(reference), brief=_short(dispatch.brief, 500)), "ja")
