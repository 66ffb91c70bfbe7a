"""Stock-level business events: detection rules and their once-per-condition persistence.

Rules, applied to every stock position (see `analytics_stock`), at most one stock rule per item:
  stock_out            on hand <= 0                                              critical
  below_reorder_level  0 < on hand < "Reorder Level"                             warning
  overstock            on hand > 3 x "Target Stock Level" and days of cover
                       > 180 (or nothing sold in 90 days)                        info
and independently of stock:
  demand_spike         units in the last 7 days >= 20 and their daily rate
                         >= 5 x the daily rate of the 84 days before               warning
A condition is `<event_type>:<WWI stock item id>`. It is stored once while it persists: the
table's partial unique index (`condition_key` where `cleared_at IS NULL`) makes the INSERT ...
ON CONFLICT DO NOTHING a no-op for an open condition, even when two replicas race. A condition
that is no longer detected gets `cleared_at`, so it is reported afresh if it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wwi_service.analytics_stock import (
    SPIKE_BASELINE_DAYS,
    SPIKE_RECENT_DAYS,
    StockPosition,
)
from shared.db.results import WwiBusinessEvent

logger = logging.getLogger(__name__)

EVENT_TYPES = ("stock_out", "below_reorder_level", "overstock", "demand_spike")
OVERSTOCK_TARGET_MULTIPLE = 3
OVERSTOCK_COVER_DAYS = 180
SPIKE_FACTOR = 5.0
SPIKE_MIN_UNITS = 20
INSERT_CHUNK = 1000
EVENTS = cast(Table, WwiBusinessEvent.__table__)


@dataclass(frozen=True)
class DetectedEvent:
    event_type: str
    stock_item_key: int
    wwi_stock_item_id: int
    stock_item: str
    severity: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def condition_key(self) -> str:
        return f"{self.event_type}:{self.wwi_stock_item_id}"


def _event(position: StockPosition, kind: str, severity: str, message: str) -> DetectedEvent:
    return DetectedEvent(
        event_type=kind,
        stock_item_key=position.stock_item_key,
        wwi_stock_item_id=position.wwi_stock_item_id,
        stock_item=position.stock_item,
        severity=severity,
        message=message,
        details={
            "quantity_on_hand": position.quantity_on_hand,
            "reorder_level": position.reorder_level,
            "target_level": position.target_level,
            "daily_velocity": round(position.daily_velocity, 4),
            "recent_units": position.recent_units,
            "baseline_units": position.baseline_units,
            "supplier": position.supplier,
        },
    )


def _stock_event(position: StockPosition) -> DetectedEvent | None:
    on_hand, name = position.quantity_on_hand, position.stock_item
    if on_hand <= 0:
        return _event(position, "stock_out", "critical", f"{name} is out of stock")
    if on_hand < position.reorder_level:
        return _event(
            position,
            "below_reorder_level",
            "warning",
            f"{name}: {on_hand} on hand, below the reorder level of {position.reorder_level}",
        )
    velocity = position.daily_velocity
    cover_exceeded = velocity == 0 or on_hand / velocity > OVERSTOCK_COVER_DAYS
    if on_hand > OVERSTOCK_TARGET_MULTIPLE * position.target_level and cover_exceeded:
        return _event(
            position,
            "overstock",
            "info",
            f"{name}: {on_hand} on hand, over {OVERSTOCK_TARGET_MULTIPLE}x the target level "
            f"of {position.target_level}",
        )
    return None


def is_demand_spike(position: StockPosition) -> bool:
    recent_rate = position.recent_units / SPIKE_RECENT_DAYS
    baseline_rate = position.baseline_units / SPIKE_BASELINE_DAYS
    return position.recent_units >= SPIKE_MIN_UNITS and recent_rate >= SPIKE_FACTOR * baseline_rate


def detect_events(positions: Sequence[StockPosition]) -> list[DetectedEvent]:
    """Every condition present in the current positions, in item order."""
    found: list[DetectedEvent] = []
    for position in positions:
        stock = _stock_event(position)
        if stock is not None:
            found.append(stock)
        if is_demand_spike(position):
            found.append(
                _event(
                    position,
                    "demand_spike",
                    "warning",
                    f"{position.stock_item}: {position.recent_units} units sold in the last "
                    f"{SPIKE_RECENT_DAYS} days against {position.baseline_units} in the "
                    f"{SPIKE_BASELINE_DAYS} days before",
                )
            )
    return found


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
