"""How notes and logged calls read: the words the person typed."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_

KINDS = {
    "note_added": EventKind(N_("Note"), lambda e, p: p.get("text", "")),
    "call_logged": EventKind(N_("Call"), lambda e, p: p.get("text", "")),
}
