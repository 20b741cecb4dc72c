"""The clock job of the phases: remind the owner of each overdue task once (like the deadline reminders)."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlmodel import Session

from hotline.phases import service


def remind_overdue_tasks(app: Flask, now: dt.datetime) -> int:
    with Session(app.extensions["hotline.engine"], expire_on_commit=False) as session:
        return sum(service.remind_overdue_task(session, task_id, now=now, notifier=app.extensions["hotline.notifier"])
                   for task_id in service.tasks_to_remind(session, now=now))
