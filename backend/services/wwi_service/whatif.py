"""What-if scenarios: a deterministic day-by-day stock simulation under changed assumptions.

Every selected stock position (see `analytics_stock`) is simulated for `horizon_days` days, once
with the baseline assumptions and once with the scenario's:
  demand per day  v' = v * (1 + demand_change_pct / 100), v = units sold in the last 90 days / 90
  lead time       L' = max(0, "Lead Time Days" + lead_time_change_days)
  selling price   p' = p * (1 + price_change_pct / 100), p = realised price of the last 90 days
                  (list price when nothing sold); demand does not react to price (no elasticity
                  is assumed, so a price change moves revenue by exactly that percentage)
  unit cost       c  = realised cost of goods sold per unit (last cost price when nothing sold)
Each day d = 1..H: (1) orders due arrive; (2) if stock + stock on order <= "Reorder Level", order
whole outers up to "Target Stock Level" + v' * L' (arriving on day d + L', at once when L' = 0);
(3) sell min(stock, v'); the rest of the day's demand is lost (a stock-out day).
Totals: units sold, lost units, revenue = sold * p', profit = sold * (p' - c), stock-out items
(items with at least one stock-out day), stock-out days, orders, reorder units and
reorder cost = ordered units * "Last Cost Price". Nothing is random, so the same inputs on the
same warehouse give the same numbers; `inputs_hash` identifies the normalised inputs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.wwi_service.analytics_stock import StockPosition
from services.wwi_service.reorder import whole_outers

LOST_EPSILON = 1e-9
TOP_ITEMS = 10


@dataclass(frozen=True)
class Assumptions:
    demand_change_pct: float = 0.0
    price_change_pct: float = 0.0
    lead_time_change_days: int = 0


@dataclass
class ItemOutcome:
    stock_item_key: int
    stock_item: str
    demand_units: float = 0.0
    units_sold: float = 0.0
    lost_units: float = 0.0
    revenue: float = 0.0
    profit: float = 0.0
    stockout_days: int = 0
    orders: int = 0
    reorder_units: int = 0
    reorder_cost: float = 0.0


def simulate_item(position: StockPosition, assumptions: Assumptions, horizon: int) -> ItemOutcome:
    """One item's horizon under `assumptions` (see the module docstring for the steps)."""
    velocity = position.daily_velocity * (1 + assumptions.demand_change_pct / 100)
    lead = max(0, position.lead_time_days + assumptions.lead_time_change_days)
    price = position.realised_unit_price * (1 + assumptions.price_change_pct / 100)
    cost = position.realised_unit_cost
    per_outer = max(1, position.quantity_per_outer)
    outcome = ItemOutcome(position.stock_item_key, position.stock_item)
    stock = float(max(0, position.quantity_on_hand))
    arrivals: dict[int, int] = {}  # arrival day -> units
    on_order = 0
    for day in range(1, horizon + 1):
        arriving = arrivals.pop(day, 0)
        stock += arriving
        on_order -= arriving
        position_units = stock + on_order
        if position_units <= position.reorder_level:
            shortfall = position.target_level + velocity * lead - position_units
            outers = whole_outers(shortfall, per_outer)
            if outers > 0:
                units = outers * per_outer
                outcome.orders += 1
                outcome.reorder_units += units
                if lead == 0:
                    stock += units
                else:
                    arrivals[day + lead] = arrivals.get(day + lead, 0) + units
                    on_order += units
        sold = min(stock, velocity)
        stock -= sold
        outcome.demand_units += velocity
        outcome.units_sold += sold
        if velocity - sold > LOST_EPSILON:
            outcome.lost_units += velocity - sold
            outcome.stockout_days += 1
    outcome.revenue = outcome.units_sold * price
    outcome.profit = outcome.units_sold * (price - cost)
    outcome.reorder_cost = outcome.reorder_units * position.last_cost_price
    return outcome


TOTAL_FIELDS = (
    "demand_units",
    "units_sold",
    "lost_units",
    "revenue",
    "profit",
    "stockout_days",
    "orders",
    "reorder_units",
    "reorder_cost",
)


def totals(outcomes: Sequence[ItemOutcome]) -> dict[str, Any]:
    """Sum of the item outcomes, rounded once at the end (money to cents, units to 0.01)."""
    summed: dict[str, Any] = {
        name: sum(getattr(o, name) for o in outcomes) for name in TOTAL_FIELDS
    }
    rounded: dict[str, Any] = {
        name: value if isinstance(value, int) else round(value, 2) for name, value in summed.items()
    }
    rounded["items"] = len(outcomes)
    rounded["stockout_items"] = sum(1 for o in outcomes if o.stockout_days > 0)
    return rounded


def run_projection(
    positions: Sequence[StockPosition], assumptions: Assumptions, horizon: int
) -> tuple[dict[str, Any], list[ItemOutcome]]:
    outcomes = [simulate_item(p, assumptions, horizon) for p in positions]
    return totals(outcomes), outcomes


def compare(
    positions: Sequence[StockPosition], assumptions: Assumptions, horizon: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(baseline, results): results carry the scenario totals, deltas against the baseline and
    the items whose profit changes most."""
    baseline, base_items = run_projection(positions, Assumptions(), horizon)
    scenario, items = run_projection(positions, assumptions, horizon)
    delta = {
        name: (
            scenario[name] - baseline[name]
            if isinstance(scenario[name], int)
            else round(scenario[name] - baseline[name], 2)
        )
        for name in (*TOTAL_FIELDS, "stockout_items")
    }
    base_by_key = {o.stock_item_key: o for o in base_items}
    impacts = sorted(
        items,
        key=lambda o: (
            -abs(round(o.profit - base_by_key[o.stock_item_key].profit, 2)),
            o.stock_item_key,
        ),
    )[:TOP_ITEMS]
    top = [
        {
            "stock_item_key": o.stock_item_key,
            "stock_item": o.stock_item,
            "profit_change": round(o.profit - base_by_key[o.stock_item_key].profit, 2),
            "stockout_days": o.stockout_days,
            "baseline_stockout_days": base_by_key[o.stock_item_key].stockout_days,
            "lost_units": round(o.lost_units, 2),
        }
        for o in impacts
    ]
    return baseline, {**scenario, "delta": delta, "top_items": top}


def select_positions(
    positions: Sequence[StockPosition],
    *,
    stock_item_keys: Sequence[int] | None,
    name_contains: str | None,
) -> list[StockPosition]:
    """The positions a scenario covers: all, or those matching the item key list and/or the
    case-insensitive name filter."""
    chosen = list(positions)
    if stock_item_keys:
        wanted = set(stock_item_keys)
        chosen = [p for p in chosen if p.stock_item_key in wanted]
    if name_contains:
        needle = name_contains.casefold()
        chosen = [p for p in chosen if needle in p.stock_item.casefold()]
    return chosen


def normalise_inputs(raw: dict[str, Any]) -> dict[str, Any]:
    """Canonical form of the computation's inputs: floats to 4 decimals (so 20 and 20.0 hash
    alike), item keys sorted and de-duplicated, empty filters as None, the label left out."""
    keys = raw.get("stock_item_keys")
    name = (raw.get("stock_item_name_contains") or "").strip()
    return {
        "demand_change_pct": round(float(raw.get("demand_change_pct", 0.0)), 4) + 0.0,
        "price_change_pct": round(float(raw.get("price_change_pct", 0.0)), 4) + 0.0,
        "lead_time_change_days": int(raw.get("lead_time_change_days", 0)),
        "horizon_days": int(raw["horizon_days"]),
        "stock_item_keys": sorted(set(keys)) if keys else None,
        "stock_item_name_contains": name or None,
    }


def inputs_hash(normalised: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the normalised inputs."""
    text = json.dumps(normalised, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def assumptions_from(normalised: dict[str, Any]) -> Assumptions:
    return Assumptions(
        demand_change_pct=normalised["demand_change_pct"],
        price_change_pct=normalised["price_change_pct"],
        lead_time_change_days=normalised["lead_time_change_days"],
    )
