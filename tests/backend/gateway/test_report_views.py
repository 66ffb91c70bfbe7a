"""How views' JSON becomes report sections (`services.api_gateway.report_views`)."""

from __future__ import annotations

from services.api_gateway.report_views import REPORT_VIEWS, build_sections
from services.api_gateway.report_wwi import reorder_key


def test_reorders_come_most_urgent_first_then_least_cover() -> None:
    items = [
        {"urgency": "medium", "days_of_cover": 1.0},
        {"urgency": "critical", "days_of_cover": None},
        {"urgency": "critical", "days_of_cover": 2.0},
        {"urgency": "high", "days_of_cover": 0.5},
    ]
    ordered = sorted(items, key=reorder_key)
    assert [(i["urgency"], i["days_of_cover"]) for i in ordered] == [
        ("critical", 2.0),
        ("critical", None),
        ("high", 0.5),
        ("medium", 1.0),
    ]


def test_history_table_has_a_row_per_month_and_the_days_go_to_the_workbook() -> None:
    def point(day: str, revenue: float) -> dict[str, object]:
        return {
            "period": day,
            "revenue": revenue,
            "internet_revenue": revenue / 2,
            "reseller_revenue": revenue / 2,
            "orders": 1,
            "internet_orders": 1,
            "reseller_orders": 0,
            "units": 2,
            "internet_units": 1,
            "reseller_units": 1,
        }

    daily = [point(f"2014-01-{d:02d}", 10.0) for d in range(1, 32)]
    daily += [point(f"2014-02-{d:02d}", 20.0) for d in range(1, 10)]
    monthly = [point("2014-01-01", 310.0), point("2014-02-01", 180.0)]
    payloads = {
        "aw/sales-history": {
            "daily": daily,
            "monthly": monthly,
            "days_back": 40,
            "start_date": "2014-01-01",
            "end_date": "2014-02-09",
        }
    }
    history = build_sections(payloads)[0]
    assert history.table is not None and len(history.table.rows) == 2
    assert [c.label for c in history.table.columns][:2] == ["Month", "Revenue"]
    assert [len(sheet.rows) for sheet in history.sheets] == [2, 40]
    assert history.charts  # drawn by the report builder


def test_a_view_in_an_unknown_shape_becomes_a_section_saying_so() -> None:
    sections = build_sections({"aw/sales-history": {"days": "not a list"}})
    assert len(sections) == 8
    assert all("expected form" in s.intro for s in sections if s.table is None and not s.charts)
    assert sections[0].title == "AdventureWorks sales history"


def test_every_view_has_a_unique_key() -> None:
    assert len({view.key for view in REPORT_VIEWS}) == len(REPORT_VIEWS) == 10
