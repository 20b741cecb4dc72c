"""How the dispatch and vendor-registry events read. No phone number is ever stored here: insureds read the
timeline of their case."""
from __future__ import annotations

from hotline.audit.events import EventKind, changed
from vendors.capabilities import name as capability_name
from workflows.text import N_, Text

VIA = {"link": N_("link"), "voice": N_("voice call"), "sms": N_("text message"), "coordinator": N_("the coordinator")}
ANSWERS = {"accept": N_("accept"), "decline": N_("decline")}
LATE_STATE = {"accepted": N_("%(vendor)s has accepted it"), "pending": N_("it is now with %(vendor)s"),
              "escalated": N_("it is now with %(vendor)s"), "expired": N_("the request has ended"),
              "declined": N_("the request has ended")}


def _via(p) -> Text | str:
    via = p.get("via", "")
    return Text(VIA[via]) if via in VIA else via


def _with_note(text: Text, p) -> Text:
    if p.get("colleague"):
        return Text(N_("%(what)s: %(note)s"), what=text, note=Text(N_("a colleague answered the earlier message")))
    return Text(N_("%(what)s: %(note)s"), what=text, note=p["note"]) if p.get("note") else text


def _notified(e, p):
    msgid = (N_("%(vendor)s: %(contact)s notified by SMS and voice, step %(step)s of %(steps)s") if p.get("voice")
             else N_("%(vendor)s: %(contact)s notified by SMS, step %(step)s of %(steps)s"))
    return Text(msgid, vendor=p.get("vendor", ""), contact=p.get("contact", ""), step=p.get("step", ""),
                steps=p.get("steps", ""))


def _expired(e, p):
    if p.get("withdrawn"):
        return _with_note(Text(N_("Withdrawn by the coordinator")), p)
    msgid = (N_("No vendor accepted: %(vendor)s declined and nobody is left in the chain") if p.get("declined") else
             N_("No vendor accepted: %(vendor)s did not answer and nobody is left in the chain"))
    return Text(msgid, vendor=p.get("vendor", ""))


def _escalated(e, p):
    here = {"vendor": p.get("vendor", ""), "contact": p.get("contact", "")}
    why = (Text(N_("%(vendor)s (%(contact)s) declined"), **here) if p.get("declined") else
           Text(N_("%(vendor)s (%(contact)s) did not answer by %(when)s JST"), when=p.get("deadline", ""), **here))
    if p.get("next_contact"):
        return Text(N_("%(why)s; passing to the next contact, %(next)s"), why=why, next=p["next_contact"])
    return Text(N_("%(why)s; passing to the next vendor, %(next)s"), why=why, next=p.get("next_vendor", ""))


def _late(e, p):
    state = Text(LATE_STATE.get(p.get("state"), N_("the request has ended")), vendor=p.get("engaged", ""))
    return Text(N_("Late answer '%(answer)s' from %(contact)s (by %(via)s) after the step was closed; %(state)s. "
                   "Not engaged: call them back if needed."), answer=Text(ANSWERS.get(p.get("answer"), "")),
                contact=p.get("contact", ""), via=_via(p), state=state)


KINDS = {
    "vendor_dispatched": EventKind(N_("Vendor dispatched"),
                                   lambda e, p: Text(N_("%(vendor)s dispatched for %(capability)s: %(brief)s"),
                                                     vendor=p.get("vendor", ""),
                                                     capability=capability_name(p.get("capability", "")),
                                                     brief=p.get("brief", ""))),
    "warnings_overridden": EventKind(N_("Warnings overridden"),
                                     lambda e, p: Text(N_("Dispatched despite: %(warnings)s"),
                                                       warnings=p.get("warnings", []))),
    "vendor_notified": EventKind(N_("Vendor notified"), _notified),
    "vendor_accepted": EventKind(N_("Vendor accepted"),
                                 lambda e, p: _with_note(Text(N_("%(vendor)s accepted (%(contact)s, by %(via)s)"),
                                                              vendor=p.get("vendor", ""),
                                                              contact=p.get("contact", ""), via=_via(p)), p)),
    "vendor_declined": EventKind(N_("Vendor declined"),
                                 lambda e, p: _with_note(Text(N_("%(contact)s declined (by %(via)s)"),
                                                              contact=p.get("contact", ""), via=_via(p)), p)),
    "dispatch_escalated": EventKind(N_("Dispatch escalated"), _escalated),
    "dispatch_expired": EventKind(N_("Dispatch expired"), _expired),
    "vendor_late_answer": EventKind(N_("Late answer from a vendor"), _late),
    "dispatch_released": EventKind(N_("Vendor released"),
                                   lambda e, p: _with_note(Text(N_("%(vendor)s: work finished, released"),
                                                                vendor=p.get("vendor", "")), p)),
    "vendor_created": EventKind(N_("Vendor registered"),
                                lambda e, p: Text(N_("Vendor %(vendor)s registered (%(capabilities)s)"),
                                                  vendor=p.get("vendor", ""),
                                                  capabilities=[capability_name(c) for c in p.get("capabilities", [])])),
    "vendor_changed": EventKind(N_("Vendor changed"),
                                lambda e, p: Text(N_("Vendor %(vendor)s: %(field)s changed"), vendor=p.get("vendor", ""),
                                                  field=e.field or ""),
                                lambda e, p: changed(e.field or "", e.old, e.new)),
}
