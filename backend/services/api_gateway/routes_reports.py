"""`POST /api/reports/generate`: every view of both services in one XLSX and one PDF.

The views are fetched concurrently through the same pooled clients as the proxy, each call with
its own internal token. If any view cannot be fetched the answer is a 502 naming the service(s)
and no file is written. The files land in REPORT_OUTPUT_DIR only (`shared.core.reports`), and the
report is recorded in the audit log (domain `reports`); if that record cannot be written the
files are removed again, so every report on disk has its audit row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from services.api_gateway.auth import PROTECTED_RESPONSES, FrontendPrincipal, Principal, upstream
from services.api_gateway.proxy import UpstreamError
from services.api_gateway.report_summary import build_report
from services.api_gateway.report_views import REPORT_VIEWS, ReportView
from shared.core.audit import AuditEntry, record_audit, write_audit
from shared.core.errors import DependencyUnavailable
from shared.core.reports import ReportFile, SavedReport, remove_report, save_report

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/reports",
    tags=["reports"],
    responses={
        **PROTECTED_RESPONSES,
        502: {"description": "A service could not deliver its views; no file was written"},
        503: {"description": "The report could not be recorded in the audit log"},
    },
)

AUDIT_DOMAIN = "reports"
AUDIT_ACTION = "report.generate"


class ReportFileOut(BaseModel):
    path: str
    filename: str
    size_bytes: int
    sha256: str


class ViewSummary(BaseModel):
    domain: str
    view: str
    rows: int


class GeneratedReport(BaseModel):
    """Where the two files were written, how big they are, and what they contain."""

    generated_at: datetime
    output_dir: str
    xlsx: ReportFileOut
    pdf: ReportFileOut
    views: list[ViewSummary]


def _file_out(file: ReportFile) -> ReportFileOut:
    return ReportFileOut(
        path=str(file.path), filename=file.path.name, size_bytes=file.size_bytes, sha256=file.sha256
    )


async def fetch_views(request: Request, principal: FrontendPrincipal) -> dict[str, Any]:
    """Every view's JSON by key, fetched at once; any failure is one 502 naming each failed
    service."""

    async def one(view: ReportView) -> Any:
        return await upstream(request, view.domain).get_json(view.path, principal=principal)

    results = await asyncio.gather(*(one(view) for view in REPORT_VIEWS), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    if not failures:
        return {view.key: result for view, result in zip(REPORT_VIEWS, results, strict=True)}
    unexpected = [error for error in failures if not isinstance(error, UpstreamError)]
    if unexpected:
        raise unexpected[0]
    services = sorted({error.service for error in failures if isinstance(error, UpstreamError)})
    details = sorted({error.detail for error in failures if isinstance(error, UpstreamError)})
    raise UpstreamError(502, ", ".join(services), "report not written: " + "; ".join(details))


async def _audit_failure(request: Request, principal: FrontendPrincipal, error: Exception) -> None:
    status = getattr(error, "status", 500)
    await write_audit(
        request.app.state.sessions,
        AuditEntry(
            domain=AUDIT_DOMAIN,
            action=AUDIT_ACTION,
            actor=principal.subject,
            outcome="error",
            parameters={"service": getattr(error, "service", None)},
            status_code=status,
            detail=str(error)[:500],
        ),
    )


async def _record(
    request: Request, principal: FrontendPrincipal, report: SavedReport, duration_ms: float
) -> None:
    parameters: dict[str, Any] = {
        "xlsx": report.xlsx.path.name,
        "xlsx_bytes": report.xlsx.size_bytes,
        "xlsx_sha256": report.xlsx.sha256,
        "pdf": report.pdf.path.name,
        "pdf_bytes": report.pdf.size_bytes,
        "pdf_sha256": report.pdf.sha256,
        "views": [f"{view.domain}/{view.view}" for view in REPORT_VIEWS],
    }
    entry = AuditEntry(
        domain=AUDIT_DOMAIN,
        action=AUDIT_ACTION,
        actor=principal.subject,
        outcome="success",
        parameters=parameters,
        status_code=201,
        duration_ms=duration_ms,
    )
    try:
        async with request.app.state.sessions.begin() as session:
            await record_audit(session, entry)
    except (SQLAlchemyError, OSError, TimeoutError):
        remove_report(report)
        logger.warning("report %s removed: its audit row could not be written", report.stem)
        detail = "report not kept: the audit log is unavailable"
        raise DependencyUnavailable("postgres", detail) from None


@router.post("/generate", status_code=201, response_model=GeneratedReport)
async def generate_report(request: Request, principal: Principal) -> GeneratedReport:
    """Write a full XLSX + PDF report of every AW and WWI view to REPORT_OUTPUT_DIR."""
    started = time.perf_counter()
    try:
        payloads = await fetch_views(request, principal)
    except UpstreamError as error:
        await _audit_failure(request, principal, error)
        raise
    output_dir = request.app.state.settings.report_output_dir
    try:
        contents = build_report(payloads, principal)
        report = await asyncio.to_thread(save_report, output_dir, contents)
    except OSError as error:
        logger.error("cannot write a report to %s: %s", output_dir, type(error).__name__)
        problem = DependencyUnavailable(
            "report storage", "REPORT_OUTPUT_DIR is not writable; no report was written"
        )
        await _audit_failure(request, principal, problem)
        raise problem from None
    await _record(request, principal, report, (time.perf_counter() - started) * 1000)
    logger.info("report %s written to %s", report.stem, output_dir)
    return GeneratedReport(
        generated_at=report.generated_at,
        output_dir=str(report.xlsx.path.parent),
        xlsx=_file_out(report.xlsx),
        pdf=_file_out(report.pdf),
        views=[
            ViewSummary(domain=view.domain, view=view.view, rows=view.row_count(payloads[view.key]))
            for view in REPORT_VIEWS
        ],
    )
