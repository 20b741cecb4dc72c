"""How the organisations' and policies' events read (admin records; no case timeline shows them)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text

KINDS = {
    "organization_created": EventKind(N_("Organisation created"),
                                      lambda e, p: Text(N_("Organisation %(name)s created"), name=p.get("name", ""))),
    "policy_created": EventKind(N_("Policy created"),
                                lambda e, p: Text(N_("Policy %(number)s (%(product)s plan %(plan)s) created"),
                                                  number=p.get("number", ""), product=p.get("product", ""),
                                                  plan=p.get("plan", ""))),
}
