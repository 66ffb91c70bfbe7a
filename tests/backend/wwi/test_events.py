"""Business-event rules equal the test's own SQL of the documented rules, on the generated and
on the real-file warehouse."""

from __future__ import annotations

import duckdb

from demo import wwi_planted
from services.wwi_service.analytics import detect_events, stock_snapshot
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import real_items_below_reorder

RULES = """
WITH anchor AS (SELECT max("Invoice Date Key") AS a FROM "Fact"."Sale"),
demand AS (
    SELECT si."WWI Stock Item ID" AS wid,
           sum(CASE WHEN s."Invoice Date Key" > a - INTERVAL 90 DAY THEN s."Quantity" END) AS v90,
           sum(CASE WHEN s."Invoice Date Key" > a - INTERVAL 7 DAY THEN s."Quantity" END) AS r7,
           sum(CASE WHEN s."Invoice Date Key" <= a - INTERVAL 7 DAY
                     AND s."Invoice Date Key" > a - INTERVAL 91 DAY THEN s."Quantity" END) AS b84
    FROM "Fact"."Sale" s
    JOIN "Dimension"."Stock Item" si ON si."Stock Item Key" = s."Stock Item Key", anchor
    GROUP BY 1),
item AS (
    SELECT h."Stock Item Key" AS k, h."Quantity On Hand" AS q, h."Reorder Level" AS r,
           h."Target Stock Level" AS t, coalesce(d.v90, 0) / 90.0 AS v,
           coalesce(d.r7, 0) AS r7, coalesce(d.b84, 0) AS b84
    FROM "Fact"."Stock Holding" h
    JOIN "Dimension"."Stock Item" i ON i."Stock Item Key" = h."Stock Item Key"
    LEFT JOIN demand d ON d.wid = i."WWI Stock Item ID")
SELECT 'stock_out', k FROM item WHERE q <= 0
UNION ALL SELECT 'below_reorder_level', k FROM item WHERE q > 0 AND q < r
UNION ALL SELECT 'overstock', k FROM item
    WHERE q >= r AND q > 3 * t AND (v = 0 OR q / v > 180)
UNION ALL SELECT 'demand_spike', k FROM item WHERE r7 >= 20 AND r7 / 7.0 >= 5 * b84 / 84.0
"""


def expected(con: duckdb.DuckDBPyConnection) -> set[tuple[str, int]]:
    return {(kind, int(key)) for kind, key in con.execute(RULES).fetchall()}


async def test_event_rules_equal_independent_sql(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    found = detect_events((await stock_snapshot(demo_wh)).positions)
    got = {(e.event_type, e.stock_item_key) for e in found}
    assert got == expected(demo_duck)
    assert ("demand_spike", wwi_planted.SPIKE_STOCK_ITEM_KEY) in got
    assert len({e.condition_key for e in found}) == len(found)


async def test_event_rules_on_the_real_holdings(
    real_wh: WarehouseClient, real_duck: duckdb.DuckDBPyConnection
) -> None:
    found = detect_events((await stock_snapshot(real_wh)).positions)
    got = {(e.event_type, e.stock_item_key) for e in found}
    assert got == expected(real_duck)
    below = {key for kind, key in got if kind == "below_reorder_level"}
    assert below == real_items_below_reorder() and below
