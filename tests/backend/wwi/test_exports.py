"""WWI per-view exports: XLSX, PDF and CSV hold the JSON endpoint's rows for the same parameters,
each download is recorded once, formula-like text comes out neutralised, and the business-events
download honours the JSON endpoint's filters and paging.

The XLSX is opened with openpyxl, the PDF with pypdf and the CSV with the csv module. Business
events are seeded through the service's own writer (`record_events`), among them one whose item
name and message are spreadsheet formulas.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from typing import Any

import pypdf
import pytest

from demo import wwi_planted
from services.wwi_service.events import DetectedEvent
from services.wwi_service.persistence import record_events
from shared.core.engines import create_postgres_engine
from shared.db.postgres import create_session_factory
from tests.backend.wwi.conftest import LiveService, sql
from tests.support import spreadsheets

EVIL_ITEM = '=HYPERLINK("http://evil","x")'
EVIL_MESSAGE = "@SUM(1+1)*cmd|' /C calc'!A0"


def _event(kind: str, item: int, name: str = "", message: str = "") -> DetectedEvent:
    return DetectedEvent(kind, item, 10_000 + item, name or f"item {item}", "warning",
                         message or f"{kind} on item {item}")  # fmt: skip


@pytest.fixture(scope="module")
def seeded_events(wwi_service: LiveService) -> None:
    """Seven events over two runs: the second run no longer sees two of them (cleared)."""
    first = [_event("stock_out", 1, EVIL_ITEM, EVIL_MESSAGE), _event("stock_out", 2),
             _event("below_reorder_level", 3), _event("below_reorder_level", 4),
             _event("overstock", 5), _event("demand_spike", 6),
             _event("demand_spike", 7)]  # fmt: skip
    second = [e for e in first if e.stock_item_key not in (2, 6)]

    async def write() -> None:
        engine = create_postgres_engine(wwi_service.settings)
        sessions = create_session_factory(engine)
        for run, detected in (("seed-1", first), ("seed-2", second)):
            async with sessions.begin() as session:
                await record_events(session, run_id=run, detected=detected)
        await engine.dispose()

    asyncio.run(write())


def _moment(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _neutral(value: str) -> str:
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def _assert_cell(column: str, cell: Any, want: Any, *, as_text: bool) -> None:
    """One exported cell against the JSON value (text cells neutralised; CSV cells are text;
    XLSX keeps 15 significant digits and stores timestamps as fractions of a day)."""
    if want is None:
        assert cell in ("", None), column
    elif column.endswith("_at"):
        assert abs(_moment(cell) - _moment(want)) < dt.timedelta(milliseconds=5), column
    elif isinstance(want, str):
        assert cell == _neutral(want), column
    elif isinstance(want, float):
        assert float(cell) == pytest.approx(want, rel=1e-13), column
    else:
        assert (int(cell) if as_text else cell) == want, column


def _xlsx(content: bytes) -> tuple[list[str], list[tuple[Any, ...]]]:
    sheet = spreadsheets.load(content).active
    assert sheet is not None
    return spreadsheets.header_and_rows(sheet)


EXPORTS = [
    # (view, JSON path, export parameters, JSON parameters, first column)
    ("stock-recommendations", "/api/wwi/stock/recommendations", {"limit": 2}, {"limit": 2},
     "stock_item_key"),
    # The download defaults to the whole list; the JSON endpoint pages at 100.
    ("stock-recommendations", "/api/wwi/stock/recommendations", {}, {"limit": 1000},
     "stock_item_key"),
    ("stock-recommendations", "/api/wwi/stock/recommendations", {"urgency": "critical"},
     {"urgency": "critical", "limit": 1000}, "stock_item_key"),
    ("supplier-scores", "/api/wwi/suppliers/scores", {"top_n": 7, "days": 200},
     {"top_n": 7, "days": 200}, "rank"),
    ("business-events", "/api/wwi/events", {"limit": 3, "offset": 1}, {"limit": 3, "offset": 1},
     "id"),
    ("business-events", "/api/wwi/events", {"event_type": "stock_out"},
     {"event_type": "stock_out"}, "id"),
    ("business-events", "/api/wwi/events", {"open_only": "true", "offset": 2},
     {"open_only": "true", "offset": 2}, "id"),
]  # fmt: skip


@pytest.mark.parametrize(("view", "path", "params", "json_params", "first"), EXPORTS)
def test_xlsx_csv_and_pdf_hold_the_json_rows(
    wwi_service: LiveService,
    seeded_events: None,
    view: str,
    path: str,
    params: dict[str, Any],
    json_params: dict[str, Any],
    first: str,
) -> None:
    answer = wwi_service.get(path, params=json_params).json()
    expected = answer["items"]
    assert expected, "an empty view would prove nothing"
    if view == "stock-recommendations" and "limit" in params:
        assert len(expected) == params["limit"] < answer["count"]  # the limit did cut the list
    exports_before = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM export_records")
    xlsx = wwi_service.get(f"/api/wwi/export/{view}", params={"format": "xlsx", **params})
    assert xlsx.status_code == 200, xlsx.text
    disposition = xlsx.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="wwi-{view}-\d{{8}}T\d{{6}}Z\.xlsx"', disposition)
    text = wwi_service.get(f"/api/wwi/export/{view}", params={"format": "csv", **params})
    assert text.headers["content-type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(text.text)))
    columns = parsed[0]  # CSV stays plain: the JSON field names
    assert columns[0] == first and set(columns) <= set(expected[0])
    assert len(parsed) == len(expected) + 1

    sheet = spreadsheets.load(xlsx.content).active
    assert sheet is not None
    spreadsheets.assert_usable_sheet(sheet, columns, len(expected))
    _, rows = _xlsx(xlsx.content)
    assert len(rows) == len(expected)
    for row, item in zip(rows, expected, strict=True):
        for column, cell in zip(columns, row, strict=True):
            _assert_cell(column, spreadsheets.api_value(column, cell), item[column], as_text=False)

    for line, item in zip(parsed[1:], expected, strict=True):
        for column, cell in zip(columns, line, strict=True):
            _assert_cell(column, cell, item[column], as_text=True)

    pdf = wwi_service.get(f"/api/wwi/export/{view}", params={"format": "pdf", **params})
    assert pdf.headers["content-type"] == "application/pdf"
    content = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "generated" in content.lower()
    assert not any(key in content for key in columns if "_" in key), "labels, not field names"
    shown = set(re.split(r"\s+", content))
    for item in expected[:3] + expected[-2:]:
        assert str(item[first]) in shown, item[first]

    recorded = sql(
        wwi_service.postgres_url,
        "SELECT view, format, row_count, actor FROM export_records ORDER BY id DESC LIMIT 3",
    )
    assert {(r["view"], r["row_count"], r["actor"]) for r in recorded} == {
        (view, len(expected), "alice")
    }
    assert {r["format"] for r in recorded} == {"xlsx", "csv", "pdf"}
    after = sql(wwi_service.postgres_url, "SELECT count(*) AS n FROM export_records")
    assert after[0]["n"] == exports_before[0]["n"] + 3


def test_recommendations_download_holds_the_planted_items(wwi_service: LiveService) -> None:
    response = wwi_service.get("/api/wwi/export/stock-recommendations", params={"format": "xlsx"})
    _, rows = _xlsx(response.content)
    assert {c.stock_item_key for c in wwi_planted.BELOW_REORDER} <= {row[0] for row in rows}


def test_supplier_scores_pdf_names_the_unreliable_supplier(wwi_service: LiveService) -> None:
    response = wwi_service.get(
        "/api/wwi/export/supplier-scores", params={"format": "pdf", "top_n": 50}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "WWI supplier scores" in text
    assert wwi_planted.UNRELIABLE_SUPPLIER in text


def test_formula_text_in_an_event_is_neutralised(
    wwi_service: LiveService, seeded_events: None
) -> None:
    events = wwi_service.get("/api/wwi/events", params={"limit": 1000}).json()["items"]
    assert EVIL_ITEM in {e["stock_item"] for e in events}  # the JSON carries the data as it is
    xlsx = wwi_service.get("/api/wwi/export/business-events",
                           params={"format": "xlsx", "limit": 1000})  # fmt: skip
    columns, rows = _xlsx(xlsx.content)
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert "'" + EVIL_ITEM in cells and "'" + EVIL_MESSAGE in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    text = wwi_service.get("/api/wwi/export/business-events",
                           params={"format": "csv", "limit": 1000}).text  # fmt: skip
    lines = list(csv.DictReader(io.StringIO(text)))
    evil = next(line for line in lines if line["stock_item"].endswith(EVIL_ITEM))
    assert (evil["stock_item"], evil["message"]) == ("'" + EVIL_ITEM, "'" + EVIL_MESSAGE)
    assert "Message" in columns


def test_events_download_honours_filters_and_paging(
    wwi_service: LiveService, seeded_events: None
) -> None:
    def ids(params: dict[str, Any]) -> list[int]:
        got = wwi_service.get("/api/wwi/export/business-events", params={"format": "csv", **params})
        return [int(line["id"]) for line in csv.DictReader(io.StringIO(got.text))]

    everything = ids({"limit": 1000})
    open_only = ids({"limit": 1000, "open_only": "true"})
    stock_outs = ids({"limit": 1000, "event_type": "stock_out"})
    assert len(everything) == 7 and len(open_only) == 5 and len(stock_outs) == 2
    assert set(open_only) < set(everything) and set(stock_outs) < set(everything)
    assert ids({"limit": 2, "offset": 3}) == everything[3:5]
    assert ids({"limit": 1000, "event_type": "demand_spike", "open_only": "true"}) == [
        i for i in open_only if i in ids({"limit": 1000, "event_type": "demand_spike"})
    ]
    bad = wwi_service.get("/api/wwi/export/business-events",
                          params={"format": "csv", "event_type": "flood"})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "event_type"
