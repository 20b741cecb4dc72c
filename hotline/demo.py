"""Demo data for the embedded default: a few insured companies, their policies, one user per role.

Passwords are generated on first load and kept in the instance folder (never in the repository), so
the command can print them again. Loading twice adds nothing.
"""
from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import current_app
from sqlmodel import Session, select

from hotline.auth.models import User
from hotline.auth.service import create_user
from hotline.calls import demo as calls_demo
from hotline.cases import demo as cases_demo
from hotline.costs import demo as costs_demo
from hotline.dispatch import demo as dispatch_demo
from hotline.orgs.models import Organization, Policy
from hotline.phases import demo as phases_demo
from workflows.calendar import TOKYO

PERIOD = (dt.datetime(2026, 3, 1, 16, 0, tzinfo=TOKYO), dt.datetime(2027, 3, 1, 16, 0, tzinfo=TOKYO))

ORGANIZATIONS = [
    ("株式会社サンプル商事", "JUAS-2026-0001", "A"),
    ("みなと精密工業株式会社", "JUAS-2026-0002", "B"),
    ("さくらオンライン販売株式会社", "JUAS-2026-0003", "C"),
]
USERS = [  # e-mail, role, display name, index of the organisation for insureds
    ("operator@hotline.example", "operator", "受付 花子", None),
    ("coordinator@hotline.example", "coordinator", "調整 太郎", None),
    ("admin@hotline.example", "admin", "管理 一郎", None),
    ("insured@sample-shoji.example", "insured", "サンプル商事 情報システム部", 0),
    ("insured@minato-seimitsu.example", "insured", "みなと精密 総務部", 1),
]
# Reminders go to the coordinator's phone. +81-3-0000-xxxx cannot be a real Japanese number (no Tokyo
# subscriber number starts with 0), so demo messages reach nobody even if Twilio is configured.
DEMO_PHONES = {"coordinator@hotline.example": "+81300009001"}
# Further demo steps of other domains, in order, each called as step(session, orgs, users).
STEPS = (cases_demo.load, phases_demo.load, dispatch_demo.load, costs_demo.load, calls_demo.load)


def _passwords(path: Path) -> dict[str, str]:
    known = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line) if path.exists() else {}
    missing = {email: secrets.token_urlsafe(9) for email, *_ in USERS if email not in known}
    if missing:
        known.update(missing)
        path.write_text("".join(f"{e} {p}\n" for e, p in known.items()))
        path.chmod(0o600)
    return known


def load(session: Session, *, hash_method: str = "scrypt") -> list[tuple[str, str, str]]:
    passwords = _passwords(Path(current_app.instance_path) / "demo_logins.txt")
    orgs: list[Organization] = []
    for name, number, plan in ORGANIZATIONS:
        org = session.exec(select(Organization).where(Organization.name == name)).first()
        if org is None:
            org = Organization(name=name)
            session.add(org)
            session.flush()
        if session.exec(select(Policy).where(Policy.policy_number == number)).first() is None:
            session.add(Policy(organization_id=org.id, product="tm-juas-2026", plan=plan, policy_number=number,
                               period_start=PERIOD[0], period_end=PERIOD[1]))
        orgs.append(org)
    session.flush()
    users: dict[str, User] = {}
    for email, role, name, org_index in USERS:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = create_user(session, email=email, role=role, password=passwords[email], display_name=name,
                               organization_id=orgs[org_index].id if org_index is not None else None,
                               phone=DEMO_PHONES.get(email), hash_method=hash_method, actor="demo")
        users[role if org_index in (None, 0) else f"{role}{org_index}"] = user
    session.flush()
    for step in STEPS:
        step(session, orgs, users)
    session.commit()
    return [(email, passwords[email], role) for email, role, *_ in USERS]
