"""Per-view exports: XLSX, PDF and CSV hold the JSON endpoint's rows; each is recorded once.

The XLSX is opened with openpyxl, the PDF with pypdf and the CSV with the csv module; every file
must hold the same rows as the JSON answer for the same parameters. A product renamed to a
formula in a copy of the warehouse must come out neutralised.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pypdf
import pytest

from tests.backend.aw.support import LiveService, make_settings, serve
from tests.support import spreadsheets

pytestmark = pytest.mark.timeout(180)

VIEWS = [
    ("sales-history", "/api/aw/sales/history", {"days_back": 40}, "daily", "period"),
    ("sales-forecast", "/api/aw/sales/forecast", {"horizon_days": 20}, "points", "date"),
    ("rep-scores", "/api/aw/reps/scores", {"top_n": 6}, "reps", "rank"),
    ("rep-scores", "/api/aw/reps/scores", {"top_n": 6, "year": 2012}, "reps", "rank"),
    ("product-demand", "/api/aw/products/demand", {"top_n": 8}, "products", "rank"),
]


def xlsx_rows(content: bytes) -> tuple[list[Any], list[tuple[Any, ...]]]:
    sheet = spreadsheets.load(content).active
    assert sheet is not None
    return spreadsheets.header_and_rows(sheet)


def comparable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return value


@pytest.mark.parametrize(("view", "path", "params", "key", "first"), VIEWS)
def test_xlsx_csv_and_pdf_hold_the_json_rows(
    aw_service: LiveService, view: str, path: str, params: dict[str, Any], key: str, first: str
) -> None:
    expected = aw_service.get(path, **params).json()[key]
    exports_before = aw_service.sql("SELECT count(*) FROM export_records")[0][0]
    xlsx = aw_service.get(f"/api/aw/export/{view}", format="xlsx", **params)
    assert xlsx.status_code == 200, xlsx.text
    disposition = xlsx.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="aw-{view}-\d{{8}}T\d{{6}}Z\.xlsx"', disposition)
    text = aw_service.get(f"/api/aw/export/{view}", format="csv", **params)
    assert text.headers["content-type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(text.text)))
    columns = parsed[0]  # CSV stays plain: the JSON field names
    assert columns[0] == first and set(columns) <= set(expected[0])
    assert len(parsed) == len(expected) + 1

    sheet = spreadsheets.load(xlsx.content).active
    assert sheet is not None
    spreadsheets.assert_usable_sheet(sheet, columns, len(expected))
    _, rows = xlsx_rows(xlsx.content)
    assert len(rows) == len(expected)
    for row, item in zip(rows, expected, strict=True):
        got = [comparable(spreadsheets.api_value(c, v)) for c, v in zip(columns, row, strict=True)]
        assert got == [comparable(item[c]) for c in columns]
    for line, item in zip(parsed[1:], expected, strict=True):
        assert line[0] == str(item[first])

    pdf = aw_service.get(f"/api/aw/export/{view}", format="pdf", **params)
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    content = "\n".join(page.extract_text() for page in reader.pages)
    assert "generated" in content.lower()
    assert not any(key in content for key in columns if "_" in key), "labels, not field names"
    for item in expected[:3] + expected[-2:]:
        assert str(item[first]) in content
    recorded = aw_service.sql(
        "SELECT view, format, row_count, actor FROM export_records ORDER BY id DESC LIMIT 3"
    )
    assert {(r["view"], r["row_count"], r["actor"]) for r in recorded} == {
        (view, len(expected), "alice")
    }
    assert {r["format"] for r in recorded} == {"xlsx", "csv", "pdf"}
    assert aw_service.sql("SELECT count(*) FROM export_records")[0][0] == exports_before + 3
    audit = aw_service.sql("SELECT action, outcome FROM audit_log ORDER BY id DESC LIMIT 3")
    assert {(r["action"], r["outcome"]) for r in audit} == {(f"export.{view}", "success")}


def test_rep_scores_export_reports_the_requested_year(aw_service: LiveService) -> None:
    def keys(response: Any) -> list[tuple[str, str]]:
        return [
            (r["employee_key"], r["revenue"]) for r in csv.DictReader(io.StringIO(response.text))
        ]

    latest = aw_service.get("/api/aw/export/rep-scores", format="csv", top_n=6)
    earlier = aw_service.get("/api/aw/export/rep-scores", format="csv", top_n=6, year=2012)
    assert earlier.status_code == 200, earlier.text
    assert keys(earlier) != keys(latest)  # the year changes the ranking, so it was applied
    want = aw_service.get("/api/aw/reps/scores", top_n=6, year=2012).json()
    assert want["year"] == 2012
    assert [key for key, _ in keys(earlier)] == [str(rep["employee_key"]) for rep in want["reps"]]
    (recorded,) = aw_service.sql("SELECT parameters FROM export_records ORDER BY id DESC LIMIT 1")
    assert '"year": 2012' in recorded["parameters"]
    no_orders = aw_service.get("/api/aw/export/rep-scores", format="csv", year=1990)
    assert no_orders.status_code == 422 and no_orders.json()["errors"][0]["field"] == "year"


def test_bad_format_is_422_naming_it_and_the_allowed_values(aw_service: LiveService) -> None:
    response = aw_service.get("/api/aw/export/rep-scores", format="docx")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "format"
    for allowed in ("xlsx", "pdf", "csv"):
        assert allowed in body["detail"]
    missing = aw_service.get("/api/aw/export/rep-scores")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "format"


@pytest.fixture
def poisoned_dir(aw_demo_path: Path, tmp_path: Path) -> Path:
    shutil.copyfile(aw_demo_path, tmp_path / "aw.duckdb")
    with duckdb.connect(str(tmp_path / "aw.duckdb")) as con:
        con.execute(
            """UPDATE dbo.DimProduct SET EnglishProductName = '=HYPERLINK("http://evil")'
               WHERE ProductKey = (SELECT ProductKey FROM dbo.FactInternetSales
                                   GROUP BY ProductKey ORDER BY count(*) DESC LIMIT 1)"""
        )
    return tmp_path


def test_formula_in_a_product_name_is_neutralised(postgres_url: str, poisoned_dir: Path) -> None:
    with serve(make_settings(postgres_url, poisoned_dir), postgres_url) as service:
        names = [
            p["product_name"]
            for p in service.get("/api/aw/products/demand", top_n=1000).json()["products"]
        ]
        assert '=HYPERLINK("http://evil")' in names  # the JSON carries the data as it is
        xlsx = service.get("/api/aw/export/product-demand", format="xlsx", top_n=1000)
        _, rows = xlsx_rows(xlsx.content)
        cells = [row[2] for row in rows]
        assert '\'=HYPERLINK("http://evil")' in cells
        assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
        text = service.get("/api/aw/export/product-demand", format="csv", top_n=1000).text
        assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text
