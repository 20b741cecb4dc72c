"""Clock job of the outbox: hand over what is due (a retry, or a row a crash left pending) and raise to a person
what a provider never answered about. Thin: each row is one call of a function that owns its transaction."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlmodel import Session

from hotline.outbox import delivery


def deliver_due(app: Flask, now: dt.datetime) -> int:
    policy = app.extensions["hotline.delivery_policy"]
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        sent = sum(delivery.deliver_one(session, app.extensions["hotline.notifier"], row_id, now=now, policy=policy,
                                        due_only=True)
                   for row_id in delivery.due(session, now=now))
        return sent + delivery.raise_stuck(session, now=now, policy=policy)
