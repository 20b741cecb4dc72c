"""The cost ledger table. A line is never overwritten silently: edits and removals go through
hotline/costs/service.py, which writes the old → new values to the audit log (the case timeline)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class CostLine(SQLModel, table=True):
    __tablename__ = "cost_line"
    __table_args__ = (
        sa.CheckConstraint("amount_jpy >= 0", name="ck_cost_amount"),
        sa.CheckConstraint("victims is null or victims >= 0", name="ck_cost_victims"),
        sa.Index("ix_cost_line_case_arose", "case_id", "arose_on", "id"),
        sa.Index("ix_cost_line_case_updated", "case_id", "updated_at", "removed_at"),  # changes since a kept coverage
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="incident_case.id", nullable=False)
    category: str = Field(sa_type=sa.String(60))  # a category code of the policy's product
    amount_jpy: int = Field(sa_type=sa.BigInteger, nullable=False)
    arose_on: dt.date = Field(sa_type=sa.Date, nullable=False)  # the JST date the cost arose (ordered or incurred)
    # When an ① emergency cost was ordered: the 30-day rule (I-5) compares it with the notice to the insurer.
    ordered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Plain integers, no foreign keys: the vendor and dispatch tables live in another migration branch (0005).
    vendor_id: int | None = Field(default=None)
    dispatch_id: int | None = Field(default=None)
    invoice_ref: str | None = Field(default=None, sa_type=sa.String(100))
    victims: int | None = Field(default=None)  # victims, companies or persons for the per-head caps
    consent_ref: str | None = Field(default=None, sa_type=sa.String(200))  # the insurer's written consent
    consent_on: dt.date | None = Field(default=None, sa_type=sa.Date)
    note: str = Field(default="", sa_type=sa.Text)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Removal keeps the row (the ledger's history); coverage ignores removed lines.
    removed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class Receipt(SQLModel, table=True):
    """A receipt or invoice file of a cost line. The bytes are in `cost_receipt_content`, so listing receipts
    never loads them; both live in the database, which every web instance shares (no shared disk needed)."""
    __tablename__ = "cost_receipt"
    __table_args__ = (
        sa.CheckConstraint("content_type in ('application/pdf','image/jpeg','image/png','image/heic')",
                           name="ck_receipt_type"),
        sa.CheckConstraint("size > 0", name="ck_receipt_size"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cost_line_id: int = Field(foreign_key="cost_line.id", index=True)
    case_id: int = Field(foreign_key="incident_case.id", index=True)
    filename: str = Field(sa_type=sa.String(200))  # as uploaded, made safe (hotline/costs/receipts.py)
    content_type: str = Field(sa_type=sa.String(40))  # from the file's content, never from its name
    size: int
    sha256: str = Field(sa_type=sa.String(64))
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReceiptContent(SQLModel, table=True):
    __tablename__ = "cost_receipt_content"

    receipt_id: int = Field(foreign_key="cost_receipt.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    data: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
