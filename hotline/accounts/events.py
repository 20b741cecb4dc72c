"""How the account events read (admin records; no case timeline shows them)."""
from __future__ import annotations

from hotline.audit.events import EventKind
from workflows.text import N_, Text

KINDS = {
    "user_invited": EventKind(N_("Insured invited"), lambda e, p: Text(N_("%(email)s invited for %(organization)s"),
                                                                     email=p.get("email", ""),
                                                                     organization=p.get("organization", ""))),
    "invitation_accepted": EventKind(N_("Invitation accepted"),
                                     lambda e, p: Text(N_("%(email)s set a password and can log in"),
                                                       email=p.get("email", ""))),
    "password_reset_requested": EventKind(N_("Password link sent"),
                                          lambda e, p: Text(N_("A password link was sent to %(email)s"),
                                                            email=p.get("email", ""))),
}
