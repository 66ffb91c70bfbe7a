"""Supplier scores: parts equal the test's own SQL (and, on the real files, figures read straight
from fact_purchase.csv); the planted unreliable supplier ranks last."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict

import duckdb
import pytest

from demo import wwi_planted
from services.wwi_service.analytics import all_supplier_scores, supplier_scores
from services.wwi_service.analytics_suppliers import score_suppliers
from shared.core.warehouse import WarehouseClient
from tests.backend.wwi.conftest import REAL_WWI_DIR

PARTS = """
WITH anchor AS (SELECT max("Date Key") AS a FROM "Fact"."Purchase"),
lines AS (
    SELECT s."WWI Supplier ID" AS sid, p.*
    FROM "Fact"."Purchase" p JOIN "Dimension"."Supplier" s USING ("Supplier Key"), anchor
    WHERE p."Date Key" > anchor.a - INTERVAL 365 DAY)
SELECT sid, count(*), sum("Received Outers") / sum("Ordered Outers"),
       avg(CASE WHEN "Is Order Finalized" THEN 1.0 ELSE 0.0 END)
FROM lines GROUP BY sid
"""

LEAD = """
WITH anchor AS (SELECT max("Date Key") AS a FROM "Fact"."Purchase"),
receipt AS (
    SELECT m."WWI Purchase Order ID" AS po, m."Stock Item Key" AS k, min(m."Date Key") AS d
    FROM "Fact"."Movement" m
    JOIN "Dimension"."Transaction Type" t USING ("Transaction Type Key")
    WHERE t."Transaction Type" = 'Stock Receipt'
    GROUP BY 1, 2)
SELECT s."WWI Supplier ID", avg(r.d - p."Date Key"), stddev_samp(r.d - p."Date Key")
FROM "Fact"."Purchase" p
JOIN "Dimension"."Supplier" s USING ("Supplier Key")
JOIN receipt r ON r.po = p."WWI Purchase Order ID" AND r.k = p."Stock Item Key", anchor
WHERE p."Date Key" > anchor.a - INTERVAL 365 DAY
GROUP BY 1
"""


async def test_supplier_parts_equal_independent_sql(
    demo_wh: WarehouseClient, demo_duck: duckdb.DuckDBPyConnection
) -> None:
    result = await all_supplier_scores(demo_wh, days=365)
    parts = {row[0]: row[1:] for row in demo_duck.execute(PARTS).fetchall()}
    lead = {row[0]: row[1:] for row in demo_duck.execute(LEAD).fetchall()}
    assert {s.wwi_supplier_id for s in result.suppliers} == set(parts)
    for score in result.suppliers:
        lines, fill, finalized = parts[score.wwi_supplier_id]
        assert score.purchase_lines == lines
        assert score.fill_rate == pytest.approx(float(fill))
        assert score.finalized_share == pytest.approx(float(finalized))
        mean, stddev = lead[score.wwi_supplier_id]
        assert score.lead_time_mean_days == pytest.approx(float(mean))
        assert score.lead_time_stddev_days == pytest.approx(float(stddev))


async def test_score_combines_documented_parts(demo_wh: WarehouseClient) -> None:
    result = await all_supplier_scores(demo_wh, days=365)
    fastest = min(s.lead_time_mean_days for s in result.suppliers if s.lead_time_mean_days)
    for s in result.suppliers:
        assert s.lead_time_mean_days and s.lead_time_stddev_days is not None
        speed = fastest / s.lead_time_mean_days
        consistency = 1 / (1 + s.lead_time_stddev_days / s.lead_time_mean_days)
        expected = 100 * (
            0.4 * min(s.fill_rate, 1) + 0.3 * s.finalized_share + 0.3 * (speed + consistency) / 2
        )
        assert s.score == pytest.approx(expected, abs=1e-3)
    assert [s.rank for s in result.suppliers] == list(range(1, len(result.suppliers) + 1))
    assert [s.score for s in result.suppliers] == sorted(
        (s.score for s in result.suppliers), reverse=True
    )


async def test_unreliable_supplier_ranks_last(demo_wh: WarehouseClient) -> None:
    result = await all_supplier_scores(demo_wh, days=365)
    assert len(result.suppliers) >= 3
    last = result.suppliers[-1]
    assert last.supplier == wwi_planted.UNRELIABLE_SUPPLIER
    assert last.fill_rate < wwi_planted.UNRELIABLE_MAX_FILL_RATE
    assert last.finalized_share < wwi_planted.UNRELIABLE_MAX_FINALIZED_SHARE
    assert all(s.score > last.score + 10 for s in result.suppliers[:-1])


async def test_view_shows_the_best_top_n_rounded_while_the_job_keeps_full_precision(
    demo_wh: WarehouseClient,
) -> None:
    everyone = (await all_supplier_scores(demo_wh, days=365)).suppliers
    view = await supplier_scores(demo_wh, days=365, top_n=2)
    assert [s.wwi_supplier_id for s in view.items] == [s.wwi_supplier_id for s in everyone[:2]]
    for shown, full in zip(view.items, everyone, strict=False):
        assert shown.fill_rate == round(full.fill_rate, 6)
        assert shown.lead_time_score == round(full.lead_time_score, 6)
        mean = full.lead_time_mean_days
        assert shown.lead_time_mean_days == (None if mean is None else round(mean, 4))
        assert (shown.score, shown.rank) == (full.score, full.rank)
    assert view.window is not None and view.window.end == view.anchor_date


def test_supplier_without_receipts_gets_neutral_lead_time_score() -> None:
    lines = [
        {"wwi_supplier_id": 1, "supplier_key": 11, "supplier": "A", "purchase_lines": 2,
         "ordered_outers": 10, "received_outers": 10, "finalized_lines": 2},
        {"wwi_supplier_id": 2, "supplier_key": 12, "supplier": "B", "purchase_lines": 4,
         "ordered_outers": 10, "received_outers": 15, "finalized_lines": 1},
    ]  # fmt: skip
    receipts = [
        {"wwi_supplier_id": 1, "ordered_on": dt.date(2016, 1, 1), "received_on": d, "lines": n}
        for d, n in ((dt.date(2016, 1, 5), 1), (dt.date(2016, 1, 9), 1))
    ]
    a, b = score_suppliers(lines, receipts)
    assert a.lead_time_mean_days == 6.0
    assert a.lead_time_stddev_days == pytest.approx(2.8284271)
    assert a.lead_time_score == pytest.approx((1 + 1 / (1 + 2.8284271 / 6)) / 2)
    assert b.lead_time_mean_days is None and b.lead_time_score == 0.5
    assert b.fill_rate == 1.5  # shown as measured; capped at 1 only inside the score
    assert b.score == pytest.approx(100 * (0.4 * 1 + 0.3 * 0.25 + 0.3 * 0.5))


def real_purchase_parts() -> dict[int, tuple[int, float, float]]:
    """Per WWI supplier id over the 365 days ending at the file's last purchase date."""
    with (REAL_WWI_DIR / "dimension_supplier.csv").open(newline="", encoding="utf-8") as f:
        supplier_id = {
            int(r["Supplier Key"]): int(r["WWI Supplier ID"])
            for r in csv.DictReader(f, delimiter="|")
        }
    with (REAL_WWI_DIR / "fact_purchase.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="|"))
    last = max(dt.date.fromisoformat(r["Date Key"]) for r in rows)
    first = last - dt.timedelta(days=364)
    acc: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        if first <= dt.date.fromisoformat(r["Date Key"]) <= last:
            a = acc[supplier_id[int(r["Supplier Key"])]]
            a[0] += 1
            a[1] += int(r["Ordered Outers"])
            a[2] += int(r["Received Outers"])
            a[3] += r["Is Order Finalized"] == "True"
    return {k: (n, rec / ordered, fin / n) for k, (n, ordered, rec, fin) in acc.items()}


async def test_real_fill_rates_and_finalised_shares_equal_the_file(
    real_wh: WarehouseClient,
) -> None:
    want = real_purchase_parts()
    result = await all_supplier_scores(real_wh, days=365)
    got = {s.wwi_supplier_id: s for s in result.suppliers}
    assert set(got) == set(want)
    for key, (lines, fill, finalized) in want.items():
        assert got[key].purchase_lines == lines
        assert got[key].fill_rate == pytest.approx(fill, rel=1e-12)
        assert got[key].finalized_share == pytest.approx(finalized, rel=1e-12)
    # Open lines at the end of the real data are not yet received, so not every rate is 1.
    assert any(v[2] < 1 for v in want.values())
    assert statistics.fmean(s.score for s in result.suppliers) > 0
