"""How a view's JSON becomes a report table (`services.api_gateway.report_views`)."""

from __future__ import annotations

from services.api_gateway.report_views import REPORT_VIEWS, tabulate, to_table


def _view(name: str):  # type: ignore[no-untyped-def]
    return next(view for view in REPORT_VIEWS if view.view == name and view.domain == "aw")


def test_records_become_rows_with_nested_fields_as_dotted_columns() -> None:
    payload = {"top_n": 2, "items": [{"a": 1, "d": {"x": 2}}, {"a": 3, "b": [1, 2]}]}
    columns, rows = tabulate(payload, "items")
    assert columns == ["a", "d.x", "b"]
    assert rows == [[1, 2, None], [3, None, "[1,2]"]]


def test_an_object_without_records_becomes_metric_value_rows() -> None:
    payload = {
        "anchor_date": "2014-01-28",
        "current": {"channels": [{"channel": "total", "revenue": 10.5}]},
    }
    columns, rows = tabulate(payload)
    assert columns == ["metric", "value"]
    assert ["current.channels.total.revenue", 10.5] in rows
    assert ["anchor_date", "2014-01-28"] in rows


def test_an_empty_list_still_has_a_column() -> None:
    assert tabulate({"items": []}, "items") == (["no records"], [])


def test_series_views_chart_their_named_columns_or_none() -> None:
    history = _view("sales-history")
    table = to_table(history, {"daily": [{"period": "2014-01-01", "revenue": 1.0}]})
    assert table.chart is not None
    assert (table.chart.x, list(table.chart.y)) == ("period", ["revenue"])
    renamed = to_table(history, {"daily": [{"day": "2014-01-01", "amount": 1.0}]})
    assert renamed.chart is None and renamed.rows == [["2014-01-01", 1.0]]
