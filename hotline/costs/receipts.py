"""Receipt files of cost lines: PDF, JPEG, PNG or HEIC, recognised by their content (puremagic reads the magic
bytes; the name and the browser's declared type are not trusted), at most RECEIPT_MAX_BYTES, never empty; stored in
the database so that every web instance serves them. Refusals raise Invalid({"file": why}) before anything is
written."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

import puremagic
from sqlmodel import Session, select

from hotline.audit.service import record
from hotline.cases.models import Case
from hotline.costs.models import CostLine, Receipt, ReceiptContent
from hotline.db import utcnow
from hotline.errors import Invalid, NotFound
from workflows.text import N_

# What puremagic may call a file → the type we store and serve, and the extension its name gets.
ACCEPTED = {"application/pdf": ("application/pdf", ".pdf"), "image/jpeg": ("image/jpeg", ".jpg"),
            "image/png": ("image/png", ".png"), "image/heic": ("image/heic", ".heic"),
            "image/heif": ("image/heic", ".heic")}
TYPE_WORDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/heic": "HEIC"}
MAX_NAME = 120


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def content_type(data: bytes) -> tuple[str, str] | None:
    """(the type we store, its extension) of a PDF, JPEG, PNG or HEIC file, from its bytes; None otherwise."""
    try:
        candidates = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return None
    for match in candidates:
        if match.mime_type in ACCEPTED:
            return ACCEPTED[match.mime_type]
    return None


def safe_filename(name: str, extension: str) -> str:
    """The uploaded name as people read it (Japanese kept), without a path, control or quoting characters, cut
    to a length, and ending with the extension of its real type: 領収書.pdf stays, '../a.exe' becomes 'a.exe.pdf'."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = re.sub(r'[<>:"|?*;\s]+', "_", base).strip("._ ") or "receipt"
    stem = base[: -len(extension)] if base.lower().endswith(extension) else base
    if extension == ".jpg" and stem.lower().endswith(".jpeg"):
        stem = stem[:-5]
    return stem[: MAX_NAME - len(extension)] + extension


def check(upload: Upload, *, max_bytes: int) -> tuple[str, str]:
    """(content type, safe file name), or Invalid naming the field `file`."""
    if not upload.data:
        raise Invalid({"file": N_("the file is empty")})
    if len(upload.data) > max_bytes:
        raise Invalid({"file": N_("the file is larger than the limit for a receipt")})
    found = content_type(upload.data)
    if found is None:
        raise Invalid({"file": N_("not a PDF, JPEG, PNG or HEIC file")})
    return found[0], safe_filename(upload.filename, found[1])


def add(session: Session, *, case: Case, line: CostLine, uploads: list[Upload], actor, max_bytes: int,
        now: dt.datetime | None = None) -> list[Receipt]:
    """Attach the files to the line: all of them or, if one is refused, none. Does not commit (adding a cost
    with its receipts is one unit of work)."""
    checked = [check(u, max_bytes=max_bytes) for u in uploads]  # every check before any write
    now = now or utcnow()
    receipts = []
    for upload, (ctype, name) in zip(uploads, checked, strict=True):
        receipt = Receipt(cost_line_id=line.id, case_id=case.id, filename=name, content_type=ctype,
                          size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                          uploaded_by_id=getattr(actor, "id", None), created_at=now)
        session.add(receipt)
        session.flush()
        session.add(ReceiptContent(receipt_id=receipt.id, data=upload.data))
        record(session, actor=actor, kind="receipt_added", entity="cost_receipt", entity_id=receipt.id,
               case_id=case.id, params={"line": line.id, "file": name}, at=now)
        receipts.append(receipt)
    return receipts


def attach(session: Session, *, case: Case, line: CostLine, uploads: list[Upload], actor,
           max_bytes: int) -> list[Receipt]:
    """Attach receipts to an existing line; commits."""
    receipts = add(session, case=case, line=line, uploads=uploads, actor=actor, max_bytes=max_bytes)
    session.commit()
    return receipts


def of_case(session: Session, case_id: int) -> dict[int, list[Receipt]]:
    """The case's receipts by cost line (metadata only), oldest first."""
    out: dict[int, list[Receipt]] = {}
    for r in session.exec(select(Receipt).where(Receipt.case_id == case_id).order_by(Receipt.created_at, Receipt.id)):
        out.setdefault(r.cost_line_id, []).append(r)
    return out


def get(session: Session, case: Case, line_id: int, receipt_id: int) -> tuple[Receipt, bytes]:
    """A receipt of the case's line with its bytes, or 404."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or receipt.case_id != case.id or receipt.cost_line_id != line_id:
        raise NotFound("receipt")
    content = session.get(ReceiptContent, receipt.id)
    if content is None:  # pragma: no cover - written together
        raise NotFound("receipt")
    return receipt, content.data
