"""The escalation policy of a dispatch, as pure functions over the chain snapshot.

A chain is the list of steps copied into the dispatch when it starts: the chosen vendor's on-call contacts
in order, then the next vendors with the same capability in the registry's escalation order, each with
their contacts. Editing a vendor later never changes a running chain.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    vendor_id: int
    vendor_name: str
    contact_name: str
    phone: str

    def as_json(self) -> dict:
        return {"vendor_id": self.vendor_id, "vendor_name": self.vendor_name,
                "contact_name": self.contact_name, "phone": self.phone}

    @classmethod
    def from_json(cls, data: dict) -> Step:
        return cls(int(data["vendor_id"]), data["vendor_name"], data["contact_name"], data["phone"])


@dataclass(frozen=True)
class Decision:
    action: str  # "wait" | "next_contact" | "next_vendor" | "expire"
    step: int | None = None  # the step to notify for next_contact / next_vendor


def build_chain(first: tuple[int, str, list[tuple[str, str]]],
                backups: list[tuple[int, str, list[tuple[str, str]]]]) -> list[Step]:
    """first and backups are (vendor_id, vendor_name, [(contact_name, phone), …]) in escalation order."""
    chain: list[Step] = []
    for vendor_id, vendor_name, contacts in [first, *[b for b in backups if b[0] != first[0]]]:
        chain += [Step(vendor_id, vendor_name, c_name, phone) for c_name, phone in contacts]
    return chain


def next_step(chain: list[Step], current: int, *, deadline: dt.datetime | None, now: dt.datetime,
              declined: bool = False) -> Decision:
    """What to do with a dispatch waiting at step `current`.

    No answer by the deadline → the next contact (of the same vendor, else the next vendor); a decline skips
    the rest of that vendor's contacts (the company said no); nothing left → expire.
    """
    if not declined and (deadline is None or now < deadline):
        return Decision("wait")
    vendor = chain[current].vendor_id
    for i in range(current + 1, len(chain)):
        if chain[i].vendor_id == vendor and not declined:
            return Decision("next_contact", i)
        if chain[i].vendor_id != vendor:
            return Decision("next_vendor", i)
    return Decision("expire")
