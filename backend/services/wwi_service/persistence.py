"""What the WWI service writes to PostgreSQL, and the queries that read it back.

Recommendations and supplier scores are appended as snapshots stamped with the job's run id;
what-if scenarios are appended one row per POST. Readers get the newest snapshot first and, within
a snapshot, the order the analytics produced (most urgent / best ranked first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wwi_service.analytics_suppliers import SupplierScore
from services.wwi_service.reorder import ReorderRecommendation
from shared.db.results import WwiReorderRecommendation, WwiSupplierScore, WwiWhatIfScenario
from shared.db.snapshots import append_snapshot, snapshot_query

REORDER = cast(Table, WwiReorderRecommendation.__table__)
SUPPLIER_SCORES = cast(Table, WwiSupplierScore.__table__)
SCENARIOS = cast(Table, WwiWhatIfScenario.__table__)


async def save_recommendations(
    session: AsyncSession, *, run_id: str, items: Sequence[ReorderRecommendation]
) -> int:
    rows = [
        {
            "run_id": run_id,
            "stock_item_key": r.stock_item_key,
            "stock_item": r.stock_item[:128],
            "supplier": None if r.supplier is None else r.supplier[:128],
            "quantity_on_hand": r.quantity_on_hand,
            "reorder_level": r.reorder_level,
            "target_level": r.target_level,
            "daily_velocity": r.daily_velocity,
            "lead_time_days": r.lead_time_days,
            "days_of_cover": r.days_of_cover,
            "quantity_per_outer": r.quantity_per_outer,
            "outers_to_order": r.outers_to_order,
            "quantity_to_order": r.quantity_to_order,
            "urgency": r.urgency,
            "estimated_cost": r.estimated_cost,
        }
        for r in items
    ]
    return await append_snapshot(session, REORDER, rows)


async def save_supplier_scores(
    session: AsyncSession, *, run_id: str, scores: Sequence[SupplierScore]
) -> int:
    rows = [
        {
            "run_id": run_id,
            "supplier_key": s.supplier_key,
            "supplier": s.supplier[:128],
            "purchase_lines": s.purchase_lines,
            "fill_rate": s.fill_rate,
            "finalized_share": s.finalized_share,
            "lead_time_mean_days": s.lead_time_mean_days,
            "lead_time_stddev_days": s.lead_time_stddev_days,
            "score": s.score,
            "rank": s.rank,
        }
        for s in scores
    ]
    return await append_snapshot(session, SUPPLIER_SCORES, rows)


async def save_scenario(session: AsyncSession, row: dict[str, Any]) -> dict[str, Any]:
    """Insert one scenario row; returns it as stored (id and created_at included)."""
    result = await session.execute(insert(SCENARIOS).values(row).returning(*SCENARIOS.columns))
    return dict(result.one()._mapping)


def reorder_records_query(run_id: str | None = None) -> Select[Any]:
    """Stored recommendations: newest snapshot first, most urgent first within it."""
    return snapshot_query(REORDER, run_id, REORDER.c.id)


def supplier_score_records_query(run_id: str | None = None) -> Select[Any]:
    """Stored supplier scores: newest snapshot first, rank order within it."""
    return snapshot_query(SUPPLIER_SCORES, run_id, SUPPLIER_SCORES.c.id)


def scenarios_query() -> Select[Any]:
    """Stored scenarios, newest first."""
    return select(SCENARIOS).order_by(SCENARIOS.c.created_at.desc(), SCENARIOS.c.id.desc())
