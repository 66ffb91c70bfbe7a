"""What the WWI service writes to PostgreSQL, and the queries that read it back.

Recommendations and supplier scores are appended as snapshots stamped with the job's run id;
what-if scenarios one row per POST. A business event is stored once while its condition persists:
the partial unique index (`condition_key` where `cleared_at IS NULL`) makes the INSERT ... ON
CONFLICT DO NOTHING a no-op for an open condition, even when two replicas race; a condition no
longer detected gets `cleared_at`, so it is reported afresh if it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wwi_service.events import DetectedEvent
from services.wwi_service.models import ReorderRecommendationModel, SupplierScoreModel
from shared.db.results import (
    WwiBusinessEvent,
    WwiReorderRecommendation,
    WwiSupplierScore,
    WwiWhatIfScenario,
)
from shared.db.snapshots import append_snapshot, snapshot_query

REORDER = cast(Table, WwiReorderRecommendation.__table__)
SUPPLIER_SCORES = cast(Table, WwiSupplierScore.__table__)
SCENARIOS = cast(Table, WwiWhatIfScenario.__table__)
EVENTS = cast(Table, WwiBusinessEvent.__table__)
INSERT_CHUNK = 1000

logger = logging.getLogger(__name__)


async def save_recommendations(
    session: AsyncSession, *, run_id: str, items: Sequence[ReorderRecommendationModel]
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
    session: AsyncSession, *, run_id: str, scores: Sequence[SupplierScoreModel]
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


@dataclass(frozen=True)
class EventRunSummary:
    detected: int
    new: int
    cleared: int
    new_by_type: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "detected": self.detected,
            "new": self.new,
            "cleared": self.cleared,
            "new_by_type": self.new_by_type,
        }


async def record_events(
    session: AsyncSession, *, run_id: str, detected: Sequence[DetectedEvent]
) -> EventRunSummary:
    """Insert conditions not already open, clear open ones no longer detected (one transaction
    owned by the caller)."""
    table = EVENTS
    new_types: dict[str, int] = {}
    for start in range(0, len(detected), INSERT_CHUNK):
        chunk = detected[start : start + INSERT_CHUNK]
        statement = (
            pg_insert(table)
            .values(
                [
                    {
                        "run_id": run_id,
                        "event_type": e.event_type,
                        "condition_key": e.condition_key,
                        "stock_item_key": e.stock_item_key,
                        "stock_item": e.stock_item[:128],
                        "severity": e.severity,
                        "message": e.message,
                        "details": e.details,
                    }
                    for e in chunk
                ]
            )
            .on_conflict_do_nothing(
                index_elements=[table.c.condition_key],
                index_where=table.c.cleared_at.is_(None),
            )
            .returning(table.c.event_type)
        )
        for (event_type,) in (await session.execute(statement)).all():
            new_types[event_type] = new_types.get(event_type, 0) + 1
    keys = [e.condition_key for e in detected]
    cleared = await session.execute(
        update(table)
        .where(table.c.cleared_at.is_(None), table.c.condition_key.not_in(keys))
        .values(cleared_at=func.now())
        .returning(table.c.id)
    )
    summary = EventRunSummary(
        detected=len(detected),
        new=sum(new_types.values()),
        cleared=len(cleared.all()),
        new_by_type=dict(sorted(new_types.items())),
    )
    logger.info(
        "business events run %s: %s detected, %s new, %s cleared",
        run_id, summary.detected, summary.new, summary.cleared,
    )  # fmt: skip
    return summary


def events_query(*, event_type: str | None = None, open_only: bool = False) -> Select[Any]:
    """Stored events, newest first (ties: highest id first)."""
    table = EVENTS
    statement = select(table).order_by(table.c.detected_at.desc(), table.c.id.desc())
    if event_type is not None:
        statement = statement.where(table.c.event_type == event_type)
    if open_only:
        statement = statement.where(table.c.cleared_at.is_(None))
    return statement
