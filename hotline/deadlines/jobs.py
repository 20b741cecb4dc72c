"""Clock jobs of the deadlines: mark deadlines missed when they pass unmet, and send due reminders exactly once.
Thin: each row is one call of a service function that owns its transaction."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlmodel import Session

from hotline.deadlines import reminders, service


def mark_missed(app: Flask, now: dt.datetime) -> int:
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        return sum(service.mark_missed(session, deadline_id, now=now)
                   for deadline_id in service.overdue(session, now=now))


def send_reminders(app: Flask, now: dt.datetime) -> int:
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        return reminders.send_due(session, now=now, notifier=app.extensions["hotline.notifier"],
                                  grace=app.config["REMINDER_GRACE"], base_url=app.config["PUBLIC_BASE_URL"])
