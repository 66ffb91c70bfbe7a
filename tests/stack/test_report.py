"""The full report of the demo stack, read back as a reader would: the PDF with pypdf, the
workbook with openpyxl, the first pages rendered as PNGs (pdftoppm) for a reviewer to look at.

The report is generated once, by the signed-in demo user, against the live stack
(tests/support/stack_fixtures.py); its figures are compared with the JSON endpoints'.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from pydantic import BaseModel
from pypdf import PdfReader

from devtools.idp import get_user_token
from services.aw_service import models as aw_models
from services.wwi_service import models as wwi_models
from shared.core.labels import FIELDS, display
from tests.support import spreadsheets
from tests.support.stack_fixtures import Stack

REPO = Path(__file__).resolve().parents[2]
PNG_DIR = REPO / "test-output" / "report"
MAX_PAGES = 20
DOTTED_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
MONEY_LABELS = {label for label, kind in FIELDS.values() if kind == "money"}


@pytest.fixture(scope="module")
def api(live_stack: Stack) -> httpx.Client:
    assert live_stack.issuer is not None
    headers = {"Authorization": f"Bearer {get_user_token(live_stack.issuer)}"}
    return httpx.Client(base_url=live_stack.gateway, headers=headers, timeout=120)


@pytest.fixture(scope="module")
def report(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/api/reports/generate")
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def pages(report: dict[str, Any]) -> list[str]:
    return [page.extract_text() for page in PdfReader(report["pdf"]["path"]).pages]


def api_field_names() -> set[str]:
    """Every field name of the services' response models, nested models included."""
    names: set[str] = set()
    for module in (aw_models, wwi_models):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
                names |= set(value.model_fields)
    return names


def test_report_fits_twenty_pages_with_a_cover_and_page_numbers(pages: list[str]) -> None:
    assert len(pages) <= MAX_PAGES, len(pages)
    assert "Business report" in pages[0] and "Requested by" in pages[0]
    assert "demo" in pages[0]  # who asked
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text


def test_summary_revenue_per_channel_equals_the_kpi_endpoints(
    api: httpx.Client, pages: list[str]
) -> None:
    summary = pages[1]
    assert "Executive summary" in summary
    aw = api.get("/api/aw/sales/kpis").json()
    for channel in aw["current"]["channels"]:
        assert display(channel["revenue"], "money") in summary, channel
    wwi = api.get("/api/wwi/sales/kpis").json()
    assert display(wwi["current"]["revenue"], "money") in summary
    assert aw["anchor_date"] in pages[0] and wwi["anchor_date"] in pages[0]


def test_no_field_name_or_dotted_key_is_shown(pages: list[str]) -> None:
    text = "\n".join(pages)
    # Single words (`revenue`, `orders`) are also plain English; identifiers have underscores.
    identifiers = sorted(name for name in api_field_names() if "_" in name)
    assert len(identifiers) > 30  # the models were found
    assert [name for name in identifiers if name in text] == []
    assert DOTTED_KEY.findall(text) == []


def test_history_table_has_a_row_per_month_not_per_day(api: httpx.Client, pages: list[str]) -> None:
    history = api.get("/api/aw/sales/history").json()
    page = next(text for text in pages[1:] if "AdventureWorks sales history" in text)
    # pypdf gives one cell per line: a month, then its revenue and internet revenue (axis
    # labels carry no cents).
    money = r"\$[\d,]+\.\d\d"
    month_rows = re.findall(rf"^([A-Z][a-z]{{2}} \d{{4}})\n{money}\n{money}$", page, re.M)
    assert len(month_rows) == len(history["monthly"]) > 1
    assert not re.findall(rf"^\d{{4}}-\d{{2}}-\d{{2}}\n{money}$", page, re.M), "no day rows"


def test_every_sheet_is_usable_and_holds_the_api_values(
    api: httpx.Client, report: dict[str, Any]
) -> None:
    workbook = openpyxl.load_workbook(report["xlsx"]["path"])
    for sheet in workbook.worksheets:
        header, rows = spreadsheets.header_and_rows(sheet)
        assert sheet.freeze_panes == "A6", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A5:"), sheet.title
        for index, label in enumerate(header, start=1):
            if label in MONEY_LABELS and rows and sheet.cell(6, index).value is not None:
                assert sheet.cell(6, index).number_format == "#,##0.00", (sheet.title, label)
    contents = workbook["Contents"]
    linked = [row[0].hyperlink.location for row in contents.iter_rows(min_row=6) if row[0].value]
    assert len(linked) == len(workbook.sheetnames) - 1

    header, rows = spreadsheets.header_and_rows(workbook["Key figures"])
    aw = api.get("/api/aw/sales/kpis").json()
    revenue = {row[0]: row[header.index("Revenue")] for row in rows}
    for channel in aw["current"]["channels"]:
        name = {"internet": "internet", "reseller": "resellers", "total": "total"}
        assert revenue[f"AdventureWorks {name[channel['channel']]}"] == channel["revenue"]

    header, rows = spreadsheets.header_and_rows(workbook["AW sales by day"])
    daily = api.get("/api/aw/sales/history").json()["daily"]
    assert [r[header.index("Revenue")] for r in rows] == [d["revenue"] for d in daily]
    assert [r[0].date().isoformat() for r in rows] == [d["period"] for d in daily]

    header, rows = spreadsheets.header_and_rows(workbook["WWI supplier scores"])
    scores = api.get("/api/wwi/suppliers/scores").json()["items"]
    assert [r[header.index("Supplier")] for r in rows] == [s["supplier"] for s in scores]
    fill = [r[header.index("Fill rate")] for r in rows]
    assert fill == [s["fill_rate"] for s in scores]
    assert (
        workbook["WWI supplier scores"]
        .cell(6, header.index("Fill rate") + 1)
        .number_format.endswith("%")
    )


def test_first_pages_rendered_for_review(report: dict[str, Any]) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed; make deps installs it")
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    for old in PNG_DIR.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "6", report["pdf"]["path"],
         str(PNG_DIR / "page")],
        check=True,
    )  # fmt: skip
    written = sorted(PNG_DIR.glob("page-*.png"))
    assert len(written) == 6 and all(p.stat().st_size > 10_000 for p in written)
