"""The vendor registry: partner vendors, their on-call contacts in calling order, and ranking them for a
capability. Keyword-only functions over a session; each one that changes something commits and writes the
audit log in the same transaction. The ranking rules live in `vendors/selection.py` (pure).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, func, select

from hotline.audit.service import record
from hotline.db import utcnow
from hotline.dispatch.models import WAITING, Dispatch, Vendor, VendorContact
from hotline.dispatch.schemas import VendorIn, VendorPatch
from hotline.errors import Invalid, NotFound
from vendors import selection
from workflows.text import N_


def contacts_of(session: Session, vendor_id: int) -> list[VendorContact]:
    return list(session.exec(select(VendorContact).where(VendorContact.vendor_id == vendor_id)
                             .order_by(VendorContact.position, VendorContact.id)))


def _set_contacts(session: Session, vendor: Vendor, contacts) -> None:
    for old in contacts_of(session, vendor.id):
        session.delete(old)
    session.flush()
    for position, c in enumerate(contacts):
        session.add(VendorContact(vendor_id=vendor.id, name=c.name, phone=c.phone, position=position))


def _name_taken(session: Session, name: str, vendor_id: int | None = None) -> bool:
    query = select(Vendor.id).where(func.lower(Vendor.name) == name.strip().lower())
    if vendor_id is not None:
        query = query.where(Vendor.id != vendor_id)
    return session.exec(query).first() is not None


def create_vendor(session: Session, data: VendorIn, *, actor) -> Vendor:
    if _name_taken(session, data.name):
        raise Invalid({"name": N_("a vendor with this name exists")})
    vendor = Vendor(name=data.name.strip(), capabilities=list(data.capabilities), hours=data.hours,
                    languages=list(data.languages), escalation_rank=data.escalation_rank, note=data.note,
                    active=data.active)
    session.add(vendor)
    session.flush()
    _set_contacts(session, vendor, data.contacts)
    record(session, actor=actor, kind="vendor_created", entity="vendor", entity_id=vendor.id,
           params={"vendor": vendor.name, "capabilities": list(vendor.capabilities)})
    session.commit()
    return vendor


def update_vendor(session: Session, vendor: Vendor, data: VendorPatch, *, actor) -> Vendor:
    """Running dispatches keep the chain they copied at their start; only new ones see the change."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name") is not None and _name_taken(session, changes["name"], vendor.id):
        raise Invalid({"name": N_("a vendor with this name exists")})
    for field in ("name", "capabilities", "hours", "languages", "escalation_rank", "note", "active"):
        if changes.get(field) is not None and changes[field] != getattr(vendor, field):
            new = list(changes[field]) if isinstance(changes[field], list) else changes[field]
            record(session, actor=actor, kind="vendor_changed", entity="vendor", entity_id=vendor.id,
                   params={"vendor": vendor.name}, field=field, old=_text(getattr(vendor, field)), new=_text(new))
            setattr(vendor, field, new)
    if data.contacts is not None:
        old = ", ".join(f"{c.name} {c.phone}" for c in contacts_of(session, vendor.id))
        _set_contacts(session, vendor, data.contacts)
        record(session, actor=actor, kind="vendor_changed", entity="vendor", entity_id=vendor.id,
               params={"vendor": vendor.name}, field="contacts", old=old,
               new=", ".join(f"{c.name} {c.phone}" for c in data.contacts))
    vendor.updated_at = utcnow()
    session.add(vendor)
    session.commit()
    return vendor


def _text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def get_vendor(session: Session, vendor_id: int) -> Vendor:
    vendor = session.get(Vendor, vendor_id)
    if vendor is None:
        raise NotFound("vendor")
    return vendor


def list_vendors(session: Session) -> list[Vendor]:
    return list(session.exec(select(Vendor).order_by(Vendor.escalation_rank, Vendor.name)))


def loads(session: Session) -> dict[int, int]:
    """Active dispatches per vendor: waiting for its answer, or accepted and not yet released."""
    active = sa.or_(Dispatch.status.in_(WAITING),
                    sa.and_(Dispatch.status == "accepted", Dispatch.released_at.is_(None)))
    rows = session.exec(select(Dispatch.vendor_id, func.count()).where(active).group_by(Dispatch.vendor_id))
    return {vendor_id: n for vendor_id, n in rows}


def _infos(session: Session) -> dict[int, tuple[Vendor, selection.VendorInfo]]:
    load = loads(session)
    counts = {vendor_id: n for vendor_id, n in
              session.exec(select(VendorContact.vendor_id, func.count()).group_by(VendorContact.vendor_id))}
    return {v.id: (v, selection.VendorInfo(id=v.id, name=v.name, capabilities=tuple(v.capabilities), hours=v.hours,
                                           escalation_rank=v.escalation_rank, load=load.get(v.id, 0),
                                           contacts=counts.get(v.id, 0), active=v.active))
            for v in list_vendors(session)}


def ranked(session: Session, capability: str, *, now: dt.datetime | None = None
           ) -> list[tuple[Vendor, selection.Ranked]]:
    infos = _infos(session)
    result = selection.rank([info for _v, info in infos.values()], capability, now or utcnow())
    return [(infos[r.vendor.id][0], r) for r in result]
