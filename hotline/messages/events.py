"""How the message events read on the case timeline: who wrote, never what (the thread holds the words)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text

KINDS = {
    "message_posted": EventKind(N_("Message"), lambda e, p: Text(N_("Message from the insured") if p.get("from_insured")
                                                                 else N_("Message from the hotline"))),
}
