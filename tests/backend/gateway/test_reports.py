"""Full reports: `shared.core.reports.save_report` and `POST /api/reports/generate`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from pypdf import PdfReader

from shared.core.export import ChartSpec, ExportTable
from shared.core.reports import save_report
from tests.backend.gateway.helpers import (
    Gateway,
    Upstreams,
    closed_port_url,
    gateway_settings,
    run_gateway,
)

NAME = re.compile(r"^otel-bi-report-\d{8}T\d{6}Z-[0-9a-f]{12}\.(xlsx|pdf)$")


def _tables() -> list[ExportTable]:
    history = ExportTable(
        title="AW sales history",
        columns=["date", "revenue"],
        rows=[[f"2014-01-{day:02d}", 100.0 * day] for day in range(1, 20)],
        chart=ChartSpec(x="date", y=["revenue"]),
    )
    suppliers = ExportTable(
        title="WWI supplier scores",
        columns=["supplier", "score"],
        rows=[["Fabrikam", 0.9], ["=cmd|' /C calc'!A0", 0.1]],
        chart=ChartSpec(x="supplier", y=["score"], kind="bar"),
    )
    return [history, suppliers]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_save_report_writes_both_files_readable(tmp_path: Path) -> None:
    report = save_report(tmp_path / "out", _tables(), {"requested_by": "alice"})
    assert report.xlsx.path.parent == (tmp_path / "out").resolve()
    assert NAME.match(report.xlsx.path.name) and NAME.match(report.pdf.path.name)
    assert report.xlsx.path.stem == report.pdf.path.stem
    assert report.xlsx.size_bytes == report.xlsx.path.stat().st_size > 0
    assert report.pdf.size_bytes == report.pdf.path.stat().st_size > 0
    workbook = openpyxl.load_workbook(report.xlsx.path, read_only=True)
    assert workbook.sheetnames == ["Summary", "AW sales history", "WWI supplier scores"]
    values = [cell for row in workbook["WWI supplier scores"].iter_rows(values_only=True)
              for cell in row]  # fmt: skip
    assert "'=cmd|' /C calc'!A0" in values  # neutralised, never a formula
    assert 1900.0 in [cell for row in workbook["AW sales history"].iter_rows(values_only=True)
                      for cell in row]  # fmt: skip
    reader = PdfReader(report.pdf.path)
    assert len(reader.pages) >= 3  # cover + one section per view
    text = _pdf_text(report.pdf.path)
    assert "otel-bi full report" in text
    assert "revenue by date" in text  # the sales history chart's caption
    assert "score by supplier" in text  # the supplier scores chart's caption
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [report.xlsx.path.name, report.pdf.path.name]
    )


def test_report_names_never_collide(tmp_path: Path) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    names = set()
    for _ in range(5):
        report = save_report(tmp_path, _tables()[:1], {}, now=when)
        names |= {report.xlsx.path.name, report.pdf.path.name}
    assert len(names) == 10
    assert len(list(tmp_path.iterdir())) == 10


def test_failed_render_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = ExportTable(
        title="broken", columns=["a"], rows=[[1]], chart=ChartSpec(x="a", y=["missing"])
    )
    with pytest.raises(ValueError):
        save_report(tmp_path / "out", [broken], {})
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
    assert len(workbook.sheetnames) == 11  # summary + one per view
    assert "AW sales forecast" in workbook.sheetnames
    text = _pdf_text(pdf)
    assert "revenue by period" in text
    assert "predicted_revenue, lower_bound by date" in text
    assert "score by supplier" in text
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
