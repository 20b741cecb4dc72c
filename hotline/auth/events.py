"""How the accounts' events read (admin records; no case timeline shows them)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text

KINDS = {
    "user_created": EventKind(N_("User created"), lambda e, p: Text(N_("User %(email)s created with role %(role)s"),
                                                                  email=p.get("email", ""), role=p.get("role", ""))),
    "user_changed": EventKind(N_("User changed"), lambda e, p: Text(N_("%(email)s: %(field)s changed"),
                                                                  email=p.get("email", ""), field=e.field or "")),
    "password_changed": EventKind(N_("Password changed"),
                                  lambda e, p: Text(N_("%(email)s: password changed"), email=p.get("email", ""))),
    "token_issued": EventKind(N_("API token issued"), lambda e, p: Text(N_("API token %(token)s… issued for %(email)s"),
                                                                      token=p.get("token", ""),
                                                                      email=p.get("email", ""))),
    "token_revoked": EventKind(N_("API token revoked"),
                               lambda e, p: Text(N_("API token %(token)s… revoked"), token=p.get("token", ""))),
}
