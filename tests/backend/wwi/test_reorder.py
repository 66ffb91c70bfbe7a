"""Reorder recommendations: the planted items below their reorder level, quantities equal to the
test's own SQL of the documented formula, and the real items below their reorder level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from demo import wwi_planted
from services.wwi_service.analytics import recommendations, stock_snapshot
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import real_items_below_reorder

# The documented formula, written independently in DuckDB SQL: velocity over the 90 days ending
# at the last invoice date, grouped by WWI stock item id across type-2 key versions.
INDEPENDENT = """
WITH anchor AS (SELECT max("Invoice Date Key") AS a FROM "Fact"."Sale"),
velocity AS (
    SELECT si."WWI Stock Item ID" AS wid, sum(s."Quantity") / 90.0 AS v
    FROM "Fact"."Sale" s
    JOIN "Dimension"."Stock Item" si ON si."Stock Item Key" = s."Stock Item Key", anchor
    WHERE s."Invoice Date Key" > anchor.a - INTERVAL 90 DAY
    GROUP BY 1),
item AS (
    SELECT h."Stock Item Key" AS k, h."Quantity On Hand" AS q, h."Reorder Level" AS r,
           h."Target Stock Level" AS t, i."Lead Time Days" AS l,
           greatest(i."Quantity Per Outer", 1) AS qpo, coalesce(v.v, 0) AS v,
           h."Last Cost Price" AS c
    FROM "Fact"."Stock Holding" h
    JOIN "Dimension"."Stock Item" i ON i."Stock Item Key" = h."Stock Item Key"
    LEFT JOIN velocity v ON v.wid = i."WWI Stock Item ID")
SELECT k, q, r, t, l, qpo, v,
       CAST(ceil(round((t + v * l - q) / qpo, 6)) AS BIGINT) AS outers, c
FROM item
WHERE (q <= r OR (v > 0 AND q / v < l)) AND t + v * l - q > 0
ORDER BY k
"""


def independent(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in con.execute(INDEPENDENT).fetchall()}


async def test_recommendations_equal_independent_sql(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    snapshot = await stock_snapshot(demo_wh)
    got = {r.stock_item_key: r for r in recommendations(snapshot.positions)}
    want = independent(demo_duck)
    assert set(got) == set(want)
    for key, (on_hand, reorder, target, lead, qpo, velocity, outers, cost) in want.items():
        rec = got[key]
        assert (rec.quantity_on_hand, rec.reorder_level, rec.target_level) == (
            on_hand,
            reorder,
            target,
        )
        assert rec.lead_time_days == lead and rec.quantity_per_outer == qpo
        assert rec.daily_velocity == pytest.approx(float(velocity))
        assert rec.outers_to_order == outers
        assert rec.quantity_to_order == outers * qpo
        assert rec.estimated_cost == pytest.approx(outers * qpo * float(cost), abs=0.01)


async def test_planted_items_below_reorder_level_are_recommended(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    snapshot = await stock_snapshot(demo_wh)
    recs = {r.stock_item_key: r for r in recommendations(snapshot.positions)}
    want = independent(demo_duck)
    for case in wwi_planted.BELOW_REORDER:
        rec = recs[case.stock_item_key]
        assert rec.stock_item == case.stock_item
        assert rec.quantity_on_hand == case.quantity_on_hand
        assert rec.reorder_level == case.reorder_level
        assert rec.target_level == case.target_stock_level
        assert rec.lead_time_days == case.lead_time_days
        # At least enough whole outers to reach the target, plus the lead-time demand.
        assert rec.quantity_to_order % case.quantity_per_outer == 0
        assert rec.quantity_to_order >= case.target_stock_level - case.quantity_on_hand
        assert rec.outers_to_order == want[case.stock_item_key][6]
    out_of_stock = recs[77]
    assert out_of_stock.urgency == "critical"
    assert recs[5].supplier == wwi_planted.UNRELIABLE_SUPPLIER
    # Most urgent first: every critical item precedes every other.
    ordered = [r.urgency for r in recommendations(snapshot.positions)]
    assert ordered == sorted(ordered, key=["critical", "high", "medium"].index)


async def test_days_of_cover_and_urgency_follow_velocity(demo_wh: WarehouseClient) -> None:
    snapshot = await stock_snapshot(demo_wh)
    for rec in recommendations(snapshot.positions):
        if rec.daily_velocity > 0:
            assert rec.days_of_cover == pytest.approx(
                max(rec.quantity_on_hand, 0) / rec.daily_velocity
            )
            if rec.days_of_cover is not None and rec.days_of_cover < rec.lead_time_days:
                assert rec.urgency == "critical"
        else:
            assert rec.days_of_cover is None


async def test_real_items_below_reorder_level_are_recommended(
    real_wh: WarehouseClient, real_duck: duckdb.DuckDBPyConnection, wwi_real_dir: Path
) -> None:
    below = real_items_below_reorder()
    assert below, "the real Fact.Stock Holding has items below their reorder level"
    snapshot = await stock_snapshot(real_wh)
    recs = {r.stock_item_key: r for r in recommendations(snapshot.positions)}
    assert below <= set(recs)
    want = independent(real_duck)
    assert set(recs) == set(want)
    for key in below:
        assert recs[key].outers_to_order == want[key][6]
