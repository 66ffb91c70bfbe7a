"""What-if scenarios over HTTP: validation names the field and its range, the same inputs give
the same stored results, and the projections move the way the documented model says."""

from __future__ import annotations

from typing import Any

import duckdb
import httpx
import pytest

from tests.backend.wwi.conftest import LiveService, auth, scalar, sql

HELD_UNITS_90D = """
WITH anchor AS (SELECT max("Invoice Date Key") AS a FROM "Fact"."Sale")
SELECT coalesce(sum(s."Quantity"), 0)
FROM "Fact"."Sale" s
JOIN "Dimension"."Stock Item" si ON si."Stock Item Key" = s."Stock Item Key", anchor
WHERE s."Invoice Date Key" > anchor.a - INTERVAL 90 DAY
  AND si."WWI Stock Item ID" IN (
      SELECT i."WWI Stock Item ID" FROM "Fact"."Stock Holding" h
      JOIN "Dimension"."Stock Item" i ON i."Stock Item Key" = h."Stock Item Key")
"""


def create(service: LiveService, **body: Any) -> dict[str, Any]:
    response = service.post("/api/wwi/scenarios", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("body", "field", "fragments"),
    [
        ({"demand_change_pct": 1000}, "demand_change_pct", ["500"]),
        ({"demand_change_pct": -101}, "demand_change_pct", ["-100"]),
        ({"price_change_pct": -95}, "price_change_pct", ["-90"]),
        ({"lead_time_change_days": 181}, "lead_time_change_days", ["180"]),
        ({"horizon_days": 0}, "horizon_days", ["1"]),
        ({"horizon_days": 366}, "horizon_days", ["365"]),
        ({"horizon_days": "soon"}, "horizon_days", ["integer"]),
        ({"stock_item_keys": []}, "stock_item_keys", ["1"]),
        ({"stock_item_keys": [999_999]}, "stock_item_keys", ["Stock Holding"]),
        ({"stock_item_keys": [77, 999_998]}, "stock_item_keys", ["999998"]),
        ({"stock_item_name_contains": "no such item xyz"}, "stock_item_name_contains", ["no"]),
        ({"demand_pct": 20}, "demand_pct", ["not permitted"]),
        ({"name": "x" * 129}, "name", ["128"]),
        ({"name": "nul\u0000byte"}, "name", ["pattern"]),
        ({"stock_item_name_contains": "mug\n"}, "stock_item_name_contains", ["pattern"]),
    ],
)
def test_bad_scenario_is_422_naming_the_field_and_range(
    wwi_service: LiveService, body: dict[str, Any], field: str, fragments: list[str]
) -> None:
    response = wwi_service.post("/api/wwi/scenarios", body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    for fragment in fragments:
        assert fragment in problem["detail"]


@pytest.mark.parametrize("raw", ['{"demand_change_pct": NaN}', '{"demand_change_pct": 1', "[]"])
def test_malformed_body_is_422_not_500(wwi_service: LiveService, raw: str) -> None:
    response = httpx.post(
        wwi_service.url + "/api/wwi/scenarios",
        content=raw,
        headers={**auth(wwi_service.settings), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_identical_inputs_give_identical_stored_results(wwi_service: LiveService) -> None:
    first = create(wwi_service, name="plus 20", demand_change_pct=20, horizon_days=45)
    second = create(wwi_service, name="same again", demand_change_pct=20.0, price_change_pct=0,
                    horizon_days=45, stock_item_keys=None)  # fmt: skip
    assert first["id"] != second["id"]
    assert first["inputs_hash"] == second["inputs_hash"]
    rows = sql(wwi_service.postgres_url,
               "SELECT inputs, inputs_hash, baseline, results FROM wwi_whatif_scenarios "
               "WHERE id = ANY($1::bigint[]) ORDER BY id", [first["id"], second["id"]])  # fmt: skip
    assert tuple(rows[0]) == tuple(rows[1])
    other = create(wwi_service, demand_change_pct=20, horizon_days=44)
    assert other["inputs_hash"] != first["inputs_hash"]


def test_more_demand_raises_projected_stockouts(wwi_service: LiveService) -> None:
    scenario = create(wwi_service, demand_change_pct=20, horizon_days=30)
    base, result = scenario["baseline"], scenario["results"]
    assert result["stockout_items"] > base["stockout_items"]
    assert result["stockout_days"] > base["stockout_days"]
    assert result["demand_units"] == pytest.approx(base["demand_units"] * 1.2, abs=0.05)
    assert result["delta"]["stockout_days"] == result["stockout_days"] - base["stockout_days"]
    assert scenario["actor"] == "alice" and len(scenario["trace_id"]) == 32


def test_price_change_moves_revenue_by_that_percentage(wwi_service: LiveService) -> None:
    scenario = create(wwi_service, price_change_pct=10, horizon_days=60)
    base, result = scenario["baseline"], scenario["results"]
    assert result["units_sold"] == base["units_sold"]
    assert result["revenue"] == pytest.approx(base["revenue"] * 1.10, abs=0.05)
    assert result["profit"] - base["profit"] == pytest.approx(base["revenue"] * 0.10, abs=0.05)
    assert result["reorder_cost"] == base["reorder_cost"]


def test_longer_lead_times_raise_stockouts(wwi_service: LiveService) -> None:
    scenario = create(wwi_service, lead_time_change_days=10, horizon_days=60)
    assert scenario["results"]["stockout_days"] > scenario["baseline"]["stockout_days"]


def test_baseline_demand_equals_independent_sql(
    wwi_service: LiveService, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    units = scalar(demo_duck, HELD_UNITS_90D)
    scenario = create(wwi_service, horizon_days=30)
    assert scenario["baseline"]["demand_units"] == pytest.approx(float(units) / 90 * 30, abs=0.05)
    held = scalar(demo_duck, 'SELECT count(*) FROM "Fact"."Stock Holding"')
    assert scenario["baseline"]["items"] == held
    assert scenario["results"]["delta"]["revenue"] == 0


def test_item_filters_select_the_matching_items(
    wwi_service: LiveService, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    mugs = scalar(
        demo_duck,
        'SELECT count(*) FROM "Fact"."Stock Holding" h JOIN "Dimension"."Stock Item" i '
        'USING ("Stock Item Key") WHERE lower(i."Stock Item") LIKE \'%mug%\'',
    )
    by_name = create(wwi_service, stock_item_name_contains="MUG", horizon_days=7)
    assert by_name["baseline"]["items"] == mugs > 0
    by_key = create(wwi_service, stock_item_keys=[77, 5, 5], horizon_days=7)
    assert by_key["baseline"]["items"] == 2
    assert by_key["inputs"]["stock_item_keys"] == [5, 77]


def test_scenarios_are_listed_newest_first_and_paged(wwi_service: LiveService) -> None:
    made = [create(wwi_service, name=f"page {n}", horizon_days=3)["id"] for n in range(3)]
    listed = wwi_service.get("/api/wwi/scenarios", params={"limit": 2}).json()
    assert [s["id"] for s in listed["items"]] == made[::-1][:2]
    following = wwi_service.get("/api/wwi/scenarios", params={"limit": 1, "offset": 2}).json()
    assert [s["id"] for s in following["items"]] == [made[0]]
    audit = sql(
        wwi_service.postgres_url,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'scenarios.create'",
    )
    assert audit[0]["n"] >= 3
