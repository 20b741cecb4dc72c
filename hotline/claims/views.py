"""The claim report of a case as a page, a PDF and a CSV, in the reader's language (staff and the case's
insureds)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_babel import force_locale

from hotline.auth.permissions import current_principal, require
from hotline.cases.service import get_visible_case
from hotline.claims import service
from hotline.claims.pdf import render_pdf
from hotline.extensions import get_session
from hotline.i18n import page_lang

bp = Blueprint("claims", __name__)


def report_for(reference: str, lang: str) -> service.ClaimReport:
    session = get_session()
    user = current_principal()
    case, policy = get_visible_case(session, user, reference)
    return service.build(session, case, policy, reader=user, lang=lang)


def _html(report: service.ClaimReport, *, pdf: bool) -> str:
    with force_locale(report.lang):  # the API's report is Japanese whatever the request's language
        return render_template("claims/report.html", report=report, pdf=pdf,
                               layout="claims/_print.html" if pdf else "base.html")


def _attachment(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "private, no-store"})


def pdf_response(report: service.ClaimReport) -> Response:
    body = render_pdf(_html(report, pdf=True), current_app.static_folder)
    return _attachment(body, "application/pdf", service.filename(report, "pdf"))


def csv_response(report: service.ClaimReport) -> Response:
    return _attachment(service.to_csv(report), "text/csv", service.filename(report, "csv"))


@bp.get("/cases/<reference>/claim-report")
@require("claim_report.read")
def page(reference: str):
    return _html(report_for(reference, page_lang()), pdf=False)


@bp.get("/cases/<reference>/claim-report.pdf")
@require("claim_report.read")
def pdf(reference: str):
    return pdf_response(report_for(reference, page_lang()))


@bp.get("/cases/<reference>/claim-report.csv")
@require("claim_report.read")
def csv(reference: str):
    return csv_response(report_for(reference, page_lang()))
