"""Demo data of the phone line: the operator and the coordinator on duty around the clock, the demo companies'
main numbers, a missed call nobody has called back (the clock alerts about it) and an answered one.

Numbers are fictitious +81-3-0000-xxxx (no Tokyo subscriber number starts with 0). Try the line with the
simulator (admin → Phone simulator): ring from サンプル商事's number and watch the operator's panel. Loading twice
adds nothing.
"""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from hotline.calls.models import Call, RosterEntry
from hotline.db import utcnow
from hotline.orgs.phones import open_cases_for_phone, organizations_for_phone

ORG_PHONES = ("+81300009101", "+81300009102", "+81300009103")  # the demo companies' main numbers, in order
STAFF_PHONES = {"operator": "+81300009002", "coordinator": "+81300009001"}


def load(session: Session, orgs, users) -> None:
    if session.exec(select(RosterEntry.id)).first() is not None:
        return
    for org, phone in zip(orgs, ORG_PHONES, strict=False):
        org.phone = org.phone or phone
        session.add(org)
    for position, role in enumerate(("operator", "coordinator")):
        user = users[role]
        user.phone = user.phone or STAFF_PHONES[role]
        session.add(user)
        session.add(RosterEntry(user_id=user.id, weekdays="0123456", starts=dt.time(0), ends=dt.time(0),
                                position=position))
    session.flush()
    now = utcnow().replace(microsecond=0)
    number = ORG_PHONES[0]
    matched = {"organization_ids": [o.id for o in organizations_for_phone(session, number)],
               "case_ids": [c.id for c in open_cases_for_phone(session, number)]}
    session.add(Call(sid="CA" + "d" * 31 + "1", from_number=number, from_e164=number, to_number="+81300001000",
                     started_at=now - dt.timedelta(minutes=40), status="missed", choice="new",
                     ended_at=now - dt.timedelta(minutes=39), **matched))
    session.add(Call(sid="CA" + "d" * 31 + "2", from_number=number, from_e164=number, to_number="+81300001000",
                     started_at=now - dt.timedelta(hours=3), status="answered", choice="operator",
                     answered_by_id=users["operator"].id, answered_at=now - dt.timedelta(hours=3, seconds=-20),
                     ended_at=now - dt.timedelta(hours=2, minutes=52), duration_seconds=460, **matched))
