"""Receipts: PDF, JPEG, PNG or HEIC by their content, at most RECEIPT_MAX_MB, never empty, stored in the database,
downloaded as an attachment only by those who may see the case; a refused file stores nothing."""
from __future__ import annotations

import io

import pytest
from sqlmodel import select

from hotline.costs.models import CostLine, Receipt, ReceiptContent
from hotline.costs.receipts import content_type, safe_filename
from tests.support import HEIC, JPEG, PDF, PNG, csrf_from, jst, login, row_counts


@pytest.fixture
def world(factory, api_as):
    org = factory.org("株式会社サンプル商事")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    case = factory.case(policy, attack_confirmed="yes")
    insured = factory.user("insured", org)
    coordinator = factory.user("coordinator")
    line = api_as(coordinator).post(f"/cases/{case.reference}/costs", json={
        "category": "investigation", "amount_jpy": 500_000, "arose_on": "2026-04-12"}).get_json()
    other_org = factory.org("他社株式会社")
    return {"case": case, "insured": insured, "coordinator": coordinator, "line": line["id"],
            "stranger": factory.user("insured", other_org)}


def upload(api, world, data: bytes, name: str = "領収書.pdf"):
    return api.post(f"/cases/{world['case'].reference}/costs/{world['line']}/receipts",
                    data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("data,name,expected,stored_as", [
    (PDF, "領収書.pdf", "application/pdf", "領収書.pdf"), (JPEG, "photo.JPG", "image/jpeg", "photo.jpg"),
    (PNG, "scan.png", "image/png", "scan.png"), (HEIC, "IMG_0001.HEIC", "image/heic", "IMG_0001.heic"),
    (PNG, "invoice.pdf", "image/png", "invoice.pdf.png"),  # the content decides, not the name
])
def test_each_accepted_type_by_content(world, api_as, data, name, expected, stored_as):
    r = upload(api_as(world["insured"]), world, data, name)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body == {"id": body["id"], "filename": stored_as, "content_type": expected, "size": len(data)}
    got = api_as(world["coordinator"]).get(f"/cases/{world['case'].reference}/costs/{world['line']}/receipts/{body['id']}")
    assert got.status_code == 200 and got.data == data and got.mimetype == expected
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data,name", [
    (b"", "empty.pdf"), (b"<html><script>alert(1)</script></html>", "receipt.pdf"),
    (b"PK\x03\x04" + b"\x00" * 100, "receipt.docx"), (b"GIF89a" + b"\x00" * 100, "receipt.gif"),
    (b"MZ" + b"\x00" * 200, "receipt.exe"),
])
def test_another_type_or_an_empty_file_is_refused_and_nothing_stored(world, api_as, db, data, name):
    api = api_as(world["insured"])
    before = row_counts(db)
    r = upload(api, world, data, name)
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"]
    assert row_counts(db) == before


def test_too_large_is_refused_and_nothing_stored(world, api_as, db, app):
    app.config["RECEIPT_MAX_BYTES"] = 1000
    api = api_as(world["insured"])
    before = row_counts(db)
    r = upload(api, world, PDF + b"0" * 1000)
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"]
    assert row_counts(db) == before
    assert upload(api, world, PDF + b"0" * (1000 - len(PDF))).status_code == 201  # at the limit
    app.config["MAX_CONTENT_LENGTH"] = 2000  # above the request limit: 413 before the app reads it
    before = row_counts(db)
    r = upload(api, world, PDF + b"0" * 5000)
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    assert row_counts(db) == before


def test_the_default_limit_is_ten_megabytes(world, api_as, db):
    ten = 10 * 2**20
    api = api_as(world["insured"])
    assert upload(api, world, PDF + b"0" * (ten - len(PDF))).status_code == 201
    before = row_counts(db)
    assert upload(api, world, PDF + b"0" * (ten - len(PDF) + 1)).status_code == 422
    assert row_counts(db) == before


def test_no_file_field_is_refused(world, api_as):
    api = api_as(world["insured"])
    r = api.post(f"/cases/{world['case'].reference}/costs/{world['line']}/receipts", data={"other": "x"},
                 content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["error"]["fields"]
    r = api.post(f"/cases/{world['case'].reference}/costs/{world['line']}/receipts", json={"file": "x"})
    assert r.status_code == 422


def test_only_those_who_may_see_the_case_read_a_receipt(world, api_as, factory):
    rid = upload(api_as(world["insured"]), world, PDF).get_json()["id"]
    path = f"/cases/{world['case'].reference}/costs/{world['line']}/receipts/{rid}"
    assert api_as(world["stranger"]).get(path).status_code == 404
    assert upload(api_as(world["stranger"]), world, PDF).status_code == 404
    assert api_as(factory.user("admin")).get(path).status_code == 200  # admins read what an operator reads
    assert upload(api_as(factory.user("admin")), world, PDF).status_code == 403  # and add nothing
    assert api_as(factory.user("operator")).get(path).status_code == 200
    # A receipt through another line's or another case's path is not found.
    assert api_as(world["insured"]).get(path.replace(f"/costs/{world['line']}/", "/costs/999/")).status_code == 404


def test_bytes_live_in_the_database_apart_from_the_list(world, api_as, db):
    rid = upload(api_as(world["insured"]), world, PNG, "scan.png").get_json()["id"]
    receipt = db.get(Receipt, rid)
    assert receipt.cost_line_id == world["line"] and receipt.size == len(PNG) and len(receipt.sha256) == 64
    assert db.get(ReceiptContent, rid).data == PNG


def test_the_insured_adds_a_cost_with_receipts_in_one_step_and_a_bad_file_leaves_no_line(world, app, db):
    client = app.test_client()
    login(client, world["insured"])
    path = f"/incidents/{world['case'].reference}/costs/new"
    form = {"category": "other.staff", "amount_jpy": "12万円", "arose_on": "2026年4月15日", "note": "夜間対応の残業代"}
    before = row_counts(db)
    r = client.post(path, data={**form, "csrf_token": csrf_from(client, path),
                                "file": [(io.BytesIO(PDF), "残業代.pdf"), (io.BytesIO(b"not a receipt"), "x.pdf")]},
                    content_type="multipart/form-data", headers={"Accept-Language": "ja"})
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    assert row_counts(db) == before
    r = client.post(path, data={**form, "csrf_token": csrf_from(client, path),
                                "file": [(io.BytesIO(PDF), "残業代.pdf"), (io.BytesIO(JPEG), "写真.jpg")]},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    line = db.exec(select(CostLine).where(CostLine.note == "夜間対応の残業代")).one()
    assert line.amount_jpy == 120_000 and line.consent_ref is None
    names = [x.filename for x in db.exec(select(Receipt).where(Receipt.cost_line_id == line.id).order_by(Receipt.id))]
    assert names == ["残業代.pdf", "写真.jpg"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "残業代.pdf" in page and "¥120,000" in page


def test_the_insured_form_has_no_consent_field_and_a_sent_one_is_not_recorded(world, app, db):
    client = app.test_client()
    login(client, world["insured"])
    path = f"/incidents/{world['case'].reference}/costs/new"
    page = client.get(path).get_data(as_text=True)
    assert "consent_ref" not in page and "consent_on" not in page
    r = client.post(path, data={"category": "advisory", "amount_jpy": "100000", "arose_on": "2026/04/15",
                                "consent_ref": "FORGED-1", "csrf_token": csrf_from(client, path)})
    assert r.status_code == 302  # recorded, without the consent the form does not have
    line = db.exec(select(CostLine).where(CostLine.category == "advisory")).one()
    assert line.consent_ref is None and line.consent_on is None
    # The staff cost form sends an insured to their own form.
    r = client.get(f"/cases/{world['case'].reference}/costs/new")
    assert r.status_code == 302 and r.headers["Location"].endswith(path)


def test_file_names_are_made_safe():
    assert safe_filename("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert safe_filename('C:\\Users\\佐藤\\請求書 "最終".PDF', ".pdf") == "請求書_最終_.pdf"
    assert safe_filename("a\x00b\r\nc.png", ".png") == "abc.png"
    assert safe_filename("", ".heic") == "receipt.heic"
    assert safe_filename("x" * 500 + ".jpeg", ".jpg").endswith(".jpg") and len(safe_filename("x" * 500, ".jpg")) == 120
    assert content_type(HEIC) == ("image/heic", ".heic") and content_type(b"hello") is None
