"""The outbox adapter: the message stays in the outbox table, where people read it. Nothing leaves the machine."""
from __future__ import annotations

from vendors.notifier import Delivery, Message


class OutboxNotifier:
    name = "outbox"
    external = False

    def deliver(self, message: Message) -> Delivery:
        return Delivery(status="queued", adapter=self.name)
