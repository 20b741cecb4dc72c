"""How the events of incoming texts read (staff only: not in the insured's kinds)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text


def _received(e, p):
    if p.get("sender") == "vendor":
        return Text(N_("Text from the vendor's contact %(name)s: “%(body)s”"), name=p.get("name", ""),
                    body=p.get("body", ""))
    return Text(N_("Text from %(phone)s (the insured's number): “%(body)s”; answered with the phase and the next "
                   "deadline"), phone=p.get("phone", ""), body=p.get("body", ""))


KINDS = {
    "text_received": EventKind(N_("Text received"), _received),
}
