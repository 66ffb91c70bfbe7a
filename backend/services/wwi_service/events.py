"""Stock-level business events: the detection rules (stored once per condition by `persistence`).

Rules, applied to every stock position (see `analytics_stock`), at most one stock rule per item:
  stock_out            on hand <= 0                                              critical
  below_reorder_level  0 < on hand < "Reorder Level"                             warning
  overstock            on hand > 3 x "Target Stock Level" and days of cover
                       > 180 (or nothing sold in 90 days)                        info
and independently of stock:
  demand_spike         units in the last 7 days >= 20 and their daily rate
                         >= 5 x the daily rate of the 84 days before               warning
A condition is `<event_type>:<WWI stock item id>`; `persistence.record_events` stores it once
while it persists and clears it when it is no longer detected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.wwi_service.analytics_stock import (
    SPIKE_BASELINE_DAYS,
    SPIKE_RECENT_DAYS,
    StockPosition,
)

EVENT_TYPES = ("stock_out", "below_reorder_level", "overstock", "demand_spike")
OVERSTOCK_TARGET_MULTIPLE = 3
OVERSTOCK_COVER_DAYS = 180
SPIKE_FACTOR = 5.0
SPIKE_MIN_UNITS = 20


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
