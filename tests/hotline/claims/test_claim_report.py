"""The claim report: a page, a CSV (UTF-8 with a BOM, no cell a spreadsheet would run as a formula) and a PDF in
Japanese with its font embedded, whose first page is not blank and whose text holds the reference, the company
name and the payable total. Staff and the case's insureds; an insured's report has no internal entry."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

from tests.support import PDF, jst, login

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                   reason="poppler-utils is not installed (.ci/run installs it)")


@pytest.fixture
def world(factory, api_as):
    org = factory.org("株式会社サンプル商事")
    policy = factory.policy(org, end=jst(2099, 1, 1))
    coordinator = factory.user("coordinator", display_name="調整 太郎", email="coordinator@hotline.example")
    insured = factory.user("insured", org, display_name="佐藤")
    coord = api_as(coordinator)
    ref = coord.post("/cases", json={
        "policy_id": policy.id, "summary": "=HYPERLINK(\"http://evil.example\")", "malicious": True,
        "first_discovered_at": "2026-04-10T23:30:00+09:00", "reported_at": "2026-04-11T00:15:00+09:00",
        "attack_confirmed": "yes", "personal_records_affected": 5000, "coordinator_id": coordinator.id}
    ).get_json()["reference"]
    coord.post(f"/cases/{ref}/deadlines/appi_preliminary/met", json={"met_at": "2026-04-13T10:00:00+09:00"})
    # DOMAIN E.2-like lines on plan A: ③ ¥6,000,000 is capped at the shared ②③④ limit of ¥5,000,000; ⑥ア paid in full.
    investigation = coord.post(f"/cases/{ref}/costs", json={"category": "investigation", "amount_jpy": 6_000_000,
                                                            "arose_on": "2026-04-12", "note": "-2+3 調査"}).get_json()
    coord.post(f"/cases/{ref}/costs", json={"category": "other.staff", "amount_jpy": 1_200_000, "arose_on": "2026-04-15"})
    coord.post(f"/cases/{ref}/notes", json={"kind": "note", "text": "社内メモ: 非公開"})
    coord.post(f"/cases/{ref}/costs/{investigation['id']}/receipts", data={"file": (io.BytesIO(PDF), "@請求書.pdf")},
               content_type="multipart/form-data")
    return {"ref": ref, "insured": insured, "coordinator": coordinator,
            "stranger": factory.user("insured", factory.org("他社株式会社"))}


PAYABLE = 5_000_000 + 1_200_000  # hand-computed: ③ capped by ②③④ ¥5M (plan A) + ⑥ア in full


def test_csv_is_utf8_with_a_bom_and_guards_every_formula(world, api_as):
    r = api_as(world["insured"]).get(f"/cases/{world['ref']}/claim-report.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{world["ref"]}-claim-report.csv"'
    raw = r.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "株式会社サンプル商事" in cells and world["ref"] in cells
    assert str(PAYABLE) in cells  # the payable total, a number Excel adds up
    assert "'=HYPERLINK(\"http://evil.example\")" in cells and "'-2+3 調査" in cells and "'@請求書.pdf" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "社内メモ: 非公開" not in raw.decode("utf-8-sig")  # an insured's report: no internal entry
    staff = api_as(world["coordinator"]).get(f"/cases/{world['ref']}/claim-report.csv").data.decode("utf-8-sig")
    assert "社内メモ: 非公開" in staff
    english = api_as(world["coordinator"]).get(f"/cases/{world['ref']}/claim-report.csv?lang=en")
    assert "Claim report" in english.data.decode("utf-8-sig")


def test_the_page_has_every_part(app, world):
    client = app.test_client()
    login(client, world["insured"])
    page = client.get(f"/cases/{world['ref']}/claim-report", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    for part in ("事実", "期限", "業者と手配", "費用", "各支払限度額に対する合計", "領収書", "@請求書.pdf",
                 f"¥{PAYABLE:,}", "¥1,000,000は", "¥5,000,000（1事故", "2026年4月13日 10:00に報告済み"):
        assert part in page, part
    assert "社内メモ" not in page and "coordinator@hotline.example" not in page and "I-6" not in page


@needs_poppler
def test_the_pdf_is_japanese_with_its_font_embedded_and_not_blank(world, api_as, tmp_path):
    r = api_as(world["insured"]).get(f"/cases/{world['ref']}/claim-report.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert world["ref"] in text and "株式会社サンプル商事" in text
    assert "支払額" in text and f"¥{PAYABLE:,}" in text and "保険金請求報告書" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    ipa = [line.split() for line in fonts.splitlines() if "IPAGothic" in line]
    assert ipa and all(cols[-5:-3] == ["yes", "yes"] for cols in ipa), fonts  # embedded and subset
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    assert _dark_pixels(png) > 1000, "the first page is blank"


def _dark_pixels(png) -> int:
    """Pixels darker than light grey on the rendered page (pdftoppm -png writes 8-bit RGB, no interlace)."""
    import struct
    import zlib

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width = 8, [], 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, _height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 2)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw, stride, dark = zlib.decompress(b"".join(chunks)), width * 3, 0
    previous = bytearray(stride)
    i = 0
    while i < len(raw):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        for x in range(stride):  # undo the PNG filters
            a = line[x - 3] if x >= 3 else 0
            b, c = previous[x], previous[x - 3] if x >= 3 else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for x in range(0, stride, 3) if line[x] + line[x + 1] + line[x + 2] < 600)
        previous, i = line, i + 1 + stride
    return dark


def test_only_staff_and_the_cases_insureds_read_it(world, api_as, factory, app):
    for path in (f"/cases/{world['ref']}/claim-report.pdf", f"/cases/{world['ref']}/claim-report.csv"):
        assert api_as(world["stranger"]).get(path).status_code == 404
        assert api_as(factory.user("admin")).get(path).status_code == 200  # admins read what operators read
    client = app.test_client()
    login(client, world["stranger"])
    for suffix in ("", ".pdf", ".csv"):
        assert client.get(f"/cases/{world['ref']}/claim-report{suffix}").status_code == 404
