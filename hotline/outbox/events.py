"""How the outbox's events read on a case's timeline (staff only)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from hotline.outbox.models import CHANNEL_WORDS
from workflows.text import N_, Text

PURPOSES = {"reminder": N_("deadline reminder"), "dispatch": N_("dispatch message"), "message": N_("message")}


def _what(p) -> dict:
    return {"purpose": Text(PURPOSES.get(p.get("purpose"), PURPOSES["message"])),
            "channel": Text(CHANNEL_WORDS.get(p.get("channel"), CHANNEL_WORDS["sms"]))}


def _undeliverable(e, p):
    if p.get("reason") == "no_answer":
        return Text(N_("A %(purpose)s (%(channel)s) was handed to the provider but no answer came back; it may not "
                       "have arrived. Check and contact the recipient another way."), **_what(p))
    return Text(N_("A %(purpose)s (%(channel)s) could not be delivered after %(attempts)s attempts. Contact the "
                   "recipient another way."), attempts=p.get("attempts", ""), **_what(p))


KINDS = {
    "message_undeliverable": EventKind(N_("Message not delivered"), _undeliverable),
    "message_handled": EventKind(N_("Undelivered message handled"),
                                 lambda e, p: Text(N_("The undelivered %(purpose)s (%(channel)s) was taken care of"),
                                                   **_what(p))),
}
