"""Full reports: `shared.core.reports.save_report` and `POST /api/reports/generate`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import httpx
import openpyxl
import pytest
from pypdf import PdfReader

from shared.core.export import ExportTable
from shared.core.report_charts import Series, time_chart
from shared.core.reports import Report, ReportSection, save_report
from tests.backend.gateway.helpers import (
    Gateway,
    Upstreams,
    closed_port_url,
    gateway_settings,
    run_gateway,
)

NAME = re.compile(r"^otel-bi-report-\d{8}T\d{6}Z-[0-9a-f]{12}\.(xlsx|pdf)$")


def _report() -> Report:
    """A small report: one section with a time chart and one whose table holds a formula."""
    history = ExportTable(
        title="AW sales by day",
        columns=["period", "revenue"],
        rows=[[f"2014-01-{day:02d}", 100.0 * day] for day in range(1, 20)],
    )
    suppliers = ExportTable(
        title="WWI supplier scores",
        columns=["supplier", "score"],
        rows=[["Fabrikam", 91.0], ["=cmd|' /C calc'!A0", 10.0]],
    )
    series = Series("Revenue", [(date(2014, 1, day), 100.0 * day) for day in range(1, 20)])
    return Report(
        requested_by="Alice (alice)",
        anchors=[("AdventureWorks data up to", "2014-01-19")],
        summary=ExportTable(
            title="Key figures",
            columns=["channel", "revenue"],
            rows=[["AdventureWorks total", 1234567.891]],
        ),
        summary_notes=["AdventureWorks: January 2014."],
        highlights=["Revenue grew."],
        sections=[
            ReportSection(
                "Sales history",
                "Daily revenue.",
                charts=[partial(time_chart, "Daily revenue", [series], height=150)],
                table=history,
                sheets=[history],
            ),
            ReportSection("Supplier scores", "Scores.", table=suppliers, sheets=[suppliers]),
        ],
    )


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_save_report_writes_both_files_readable(tmp_path: Path) -> None:
    report = save_report(tmp_path / "out", _report())
    assert report.xlsx.path.parent == (tmp_path / "out").resolve()
    assert NAME.match(report.xlsx.path.name) and NAME.match(report.pdf.path.name)
    assert report.xlsx.path.stem == report.pdf.path.stem
    assert report.xlsx.size_bytes == report.xlsx.path.stat().st_size > 0
    assert report.pdf.size_bytes == report.pdf.path.stat().st_size > 0
    workbook = openpyxl.load_workbook(report.xlsx.path)
    assert workbook.sheetnames == [
        "Contents",
        "Key figures",
        "AW sales by day",
        "WWI supplier scores",
    ]
    contents = workbook["Contents"]
    links = [row[0].hyperlink.location for row in contents.iter_rows(min_row=6) if row[0].value]
    assert links == ["'Key figures'!A1", "'AW sales by day'!A1", "'WWI supplier scores'!A1"]
    values = [
        cell for row in workbook["WWI supplier scores"].iter_rows(values_only=True) for cell in row
    ]
    assert "'=cmd|' /C calc'!A0" in values  # neutralised, never a formula
    day = workbook["AW sales by day"]
    assert day.freeze_panes == "A6" and day.auto_filter.ref == "A5:B24"
    assert day["B24"].value == 1900.0 and day["B24"].number_format == "#,##0.00"
    assert day["A6"].value.date() == date(2014, 1, 1)  # a date, not text
    reader = PdfReader(report.pdf.path)
    assert len(reader.pages) == 4  # cover, summary, one page per section
    text = _pdf_text(report.pdf.path)
    assert "Business report" in text and "Alice (alice)" in text
    assert "$1,234,567.89" in text  # money with its currency and separators
    assert "Page 2 of 4" in text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [report.xlsx.path.name, report.pdf.path.name]
    )


def test_report_names_never_collide(tmp_path: Path) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    names = set()
    for _ in range(5):
        report = save_report(tmp_path, _report(), now=when)
        names |= {report.xlsx.path.name, report.pdf.path.name}
    assert len(names) == 10
    assert len(list(tmp_path.iterdir())) == 10


def test_failed_render_leaves_nothing_behind(tmp_path: Path) -> None:
    def broken(width: float) -> None:
        raise ValueError("no such series")

    report = replace(_report(), sections=[ReportSection("Broken", "x", charts=[broken])])
    with pytest.raises(ValueError):
        save_report(tmp_path / "out", report)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_generate_writes_files_and_audits(
    gateway: Gateway, upstreams: Upstreams, report_dir: Path
) -> None:
    response = httpx.post(f"{gateway.url}/api/reports/generate", timeout=60)
    assert response.status_code == 201, response.text
    body = response.json()
    xlsx, pdf = Path(body["xlsx"]["path"]), Path(body["pdf"]["path"])
    assert xlsx.parent == pdf.parent == report_dir.resolve()
    assert xlsx.stat().st_size == body["xlsx"]["size_bytes"]
    assert pdf.stat().st_size == body["pdf"]["size_bytes"]
    assert len(body["views"]) == 10
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    assert workbook.sheetnames[:2] == ["Contents", "Key figures"]
    text = _pdf_text(pdf)
    assert "Executive summary" in text
    # The stand-ins answer in shapes the sections do not know: each says so, none fails.
    assert "did not arrive in the expected form" in text
    # Every view was fetched with an internal token the stand-ins accepted, as the caller.
    paths = {record["path"] for record in upstreams.aw.seen + upstreams.wwi.seen}
    assert {"/api/aw/sales/history", "/api/wwi/suppliers/scores"} <= paths
    assert {record["caller"]["subject"] for record in upstreams.aw.seen} == {"anonymous"}
    audit = httpx.get(f"{gateway.url}/api/audit", params={"limit": 5}).json()["items"]
    row = next(item for item in audit if item["domain"] == "reports")
    assert row["action"] == "report.generate" and row["outcome"] == "success"
    assert row["parameters"]["xlsx"] == xlsx.name
    assert row["parameters"]["pdf_bytes"] == pdf.stat().st_size


def test_generate_with_a_service_down_is_502_and_writes_nothing(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=closed_port_url(),
    )
    with run_gateway(settings) as gateway:
        response = httpx.post(f"{gateway.url}/api/reports/generate", timeout=30)
        assert response.status_code == 502
        assert response.json()["service"] == "wwi-service"
        assert "wwi-service" in response.json()["detail"]
        assert not report_dir.exists() or list(report_dir.iterdir()) == []
        audit = httpx.get(f"{gateway.url}/api/audit", params={"limit": 5}).json()["items"]
        row = next(item for item in audit if item["domain"] == "reports")
        assert row["outcome"] == "error" and row["status_code"] == 502


def test_unwritable_output_dir_is_503_not_500(
    postgres_url: str, upstreams: Upstreams, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the report directory should be")
    settings = gateway_settings(
        postgres_url, blocker, aw_service_url=upstreams.aw_url, wwi_service_url=upstreams.wwi_url
    )
    with run_gateway(settings) as gateway:
        response = httpx.post(f"{gateway.url}/api/reports/generate", timeout=30)
    assert response.status_code == 503
    assert "REPORT_OUTPUT_DIR" in response.json()["detail"]
    assert blocker.read_text().startswith("a file")
