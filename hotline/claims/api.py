"""/api/v1/cases/<reference>/claim-report.pdf and .csv: Japanese unless ?lang=en (a claim file for a Japanese
insurer's adjuster), for staff and the case's insureds."""
from __future__ import annotations

from flask import Blueprint, request

from hotline.api.openapi import responses
from hotline.auth.permissions import require
from hotline.claims.views import csv_response, pdf_response, report_for

bp = Blueprint("claims_api", __name__)


def _api_lang() -> str:
    return "en" if request.args.get("lang") == "en" else "ja"


@bp.get("/cases/<reference>/claim-report.pdf")
@require("claim_report.read")
def api_pdf(reference: str):
    return pdf_response(report_for(reference, _api_lang()))


@bp.get("/cases/<reference>/claim-report.csv")
@require("claim_report.read")
def api_csv(reference: str):
    return csv_response(report_for(reference, _api_lang()))


_PARAMS = [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}},
           {"name": "lang", "in": "query", "schema": {"enum": ["ja", "en"]},
            "description": "the report's language; Japanese by default"}]
OPENAPI_PATHS = {
    "/cases/{reference}/claim-report.pdf": {"get": {"operationId": "getClaimReportPdf",
        "summary": "The claim report as a PDF in Japanese with its font embedded (staff, the case's insureds)",
        "parameters": _PARAMS, "responses": {**responses(200, None, 404), "200": {"description": "PDF", "content": {"application/pdf": {}}}}}},
    "/cases/{reference}/claim-report.csv": {"get": {"operationId": "getClaimReportCsv",
        "summary": "The claim report as CSV (UTF-8 with a BOM, for Excel), in blocks: the case, deadlines, vendors, "
                   "costs, totals, limits, receipts, timeline",
        "parameters": _PARAMS, "responses": {**responses(200, None, 404), "200": {"description": "CSV", "content": {"text/csv": {}}}}}},
}
