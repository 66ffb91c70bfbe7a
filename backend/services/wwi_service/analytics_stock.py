"""Stock positions: one row per `Fact."Stock Holding"` item with its recent demand and supplier.

Reorder recommendations, business events and what-if scenarios all start from this one
statement. Demand is aggregated per WWI stock item id, not per surrogate key: `Dimension."Stock
Item"` keeps type-2 history, so one item's sales are spread over several `Stock Item Key`s while
its holding row points at the current one. Three demand windows end at the last invoice date:
  velocity window  the last `VELOCITY_DAYS` days          -> daily velocity, realised price/cost
  recent window    the last `SPIKE_RECENT_DAYS` days      -> demand-spike numerator
  spike baseline   the `SPIKE_BASELINE_DAYS` days before  -> demand-spike denominator
The item's supplier is the supplier of its most recent purchase order line (`Fact.Purchase`),
because the warehouse's stock item dimension does not carry a supplier.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, case, cast, func, literal, select

from services.wwi_service.analytics_common import (
    Warehouse,
    Window,
    anchor_date,
    integer,
    latest_sale_date_query,
    number,
    tracer,
    trailing,
)
from shared.core.warehouse import STATEMENT_CACHE, Fetch, NoWarehouseData, records
from shared.db.warehouse import wwi_tables as wwi

VELOCITY_DAYS = 90
SPIKE_RECENT_DAYS = 7
SPIKE_BASELINE_DAYS = 84

H = wwi.StockHolding.c
ITEM = wwi.StockItem.c
S = wwi.Sale.c
P = wwi.Purchase.c
SUP = wwi.Supplier.c


@dataclass(frozen=True)
class DemandWindows:
    velocity: Window
    recent: Window
    spike_baseline: Window

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {
            "velocity": self.velocity.as_dict(),
            "recent": self.recent.as_dict(),
            "spike_baseline": self.spike_baseline.as_dict(),
        }


def demand_windows(anchor: dt.date) -> DemandWindows:
    recent = trailing(anchor, SPIKE_RECENT_DAYS)
    baseline_end = recent.start - dt.timedelta(days=1)
    return DemandWindows(
        velocity=trailing(anchor, VELOCITY_DAYS),
        recent=recent,
        spike_baseline=trailing(baseline_end, SPIKE_BASELINE_DAYS),
    )


@dataclass(frozen=True)
class StockPosition:
    """One held item: stock levels, packaging, recent demand and its supplier."""

    stock_item_key: int
    wwi_stock_item_id: int
    stock_item: str
    quantity_on_hand: int
    reorder_level: int
    target_level: int
    last_cost_price: float
    unit_price: float
    lead_time_days: int
    quantity_per_outer: int
    velocity_units: int
    velocity_revenue: float
    velocity_profit: float
    recent_units: int
    baseline_units: int
    supplier_key: int | None
    supplier: str | None

    @property
    def daily_velocity(self) -> float:
        """Units sold per day over the velocity window."""
        return self.velocity_units / VELOCITY_DAYS

    @property
    def realised_unit_price(self) -> float:
        """Average selling price (excl. tax) in the velocity window; list price without sales."""
        if self.velocity_units > 0:
            return self.velocity_revenue / self.velocity_units
        return self.unit_price

    @property
    def realised_unit_cost(self) -> float:
        """Average cost of goods sold per unit (revenue - profit); last cost without sales."""
        if self.velocity_units > 0:
            return (self.velocity_revenue - self.velocity_profit) / self.velocity_units
        return self.last_cost_price


def _units_in(window: Window) -> Any:
    return func.sum(
        case((window.contains(S["Invoice Date Key"]), cast(S["Quantity"], BigInteger)), else_=0)
    )


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def stock_position_query(windows: DemandWindows) -> Select[Any]:
    """Every holding row with demand aggregates and latest supplier (one WITH statement)."""
    sale_item = wwi.StockItem.alias("sale_item")
    earliest = min(windows.velocity.start, windows.spike_baseline.start)
    demand = (
        select(
            sale_item.c["WWI Stock Item ID"].label("wwi_id"),
            _units_in(windows.velocity).label("velocity_units"),
            func.sum(
                case(
                    (windows.velocity.contains(S["Invoice Date Key"]), S["Total Excluding Tax"]),
                    else_=0,
                )
            ).label("velocity_revenue"),
            func.sum(
                case((windows.velocity.contains(S["Invoice Date Key"]), S["Profit"]), else_=0)
            ).label("velocity_profit"),
            _units_in(windows.recent).label("recent_units"),
            _units_in(windows.spike_baseline).label("baseline_units"),
        )
        .select_from(wwi.Sale.join(sale_item, sale_item.c["Stock Item Key"] == S["Stock Item Key"]))
        .where(S["Invoice Date Key"].between(earliest, windows.velocity.end))
        .group_by(sale_item.c["WWI Stock Item ID"])
        .cte("item_demand")
    )
    purchase_item = wwi.StockItem.alias("purchase_item")
    ranked = (
        select(
            purchase_item.c["WWI Stock Item ID"].label("wwi_id"),
            P["Supplier Key"].label("supplier_key"),
            func.row_number()
            .over(
                partition_by=purchase_item.c["WWI Stock Item ID"],
                order_by=(P["Date Key"].desc(), P["Purchase Key"].desc()),
            )
            .label("recency"),
        )
        .select_from(
            wwi.Purchase.join(
                purchase_item, purchase_item.c["Stock Item Key"] == P["Stock Item Key"]
            )
        )
        .cte("item_supplier")
    )
    return (
        select(
            H["Stock Item Key"].label("stock_item_key"),
            ITEM["WWI Stock Item ID"].label("wwi_stock_item_id"),
            ITEM["Stock Item"].label("stock_item"),
            H["Quantity On Hand"].label("quantity_on_hand"),
            H["Reorder Level"].label("reorder_level"),
            H["Target Stock Level"].label("target_level"),
            H["Last Cost Price"].label("last_cost_price"),
            ITEM["Unit Price"].label("unit_price"),
            ITEM["Lead Time Days"].label("lead_time_days"),
            ITEM["Quantity Per Outer"].label("quantity_per_outer"),
            demand.c.velocity_units,
            demand.c.velocity_revenue,
            demand.c.velocity_profit,
            demand.c.recent_units,
            demand.c.baseline_units,
            ranked.c.supplier_key,
            SUP["Supplier"].label("supplier"),
        )
        .select_from(
            wwi.StockHolding.join(wwi.StockItem, ITEM["Stock Item Key"] == H["Stock Item Key"])
            .outerjoin(demand, demand.c.wwi_id == ITEM["WWI Stock Item ID"])
            .outerjoin(
                ranked,
                (ranked.c.wwi_id == ITEM["WWI Stock Item ID"]) & (ranked.c.recency == literal(1)),
            )
            .outerjoin(wwi.Supplier, SUP["Supplier Key"] == ranked.c.supplier_key)
        )
        .order_by(H["Stock Item Key"])
    )


def _position(values: Mapping[str, Any]) -> StockPosition:
    supplier_key = values["supplier_key"]
    return StockPosition(
        stock_item_key=int(values["stock_item_key"]),
        wwi_stock_item_id=int(values["wwi_stock_item_id"]),
        stock_item=str(values["stock_item"]),
        quantity_on_hand=int(values["quantity_on_hand"]),
        reorder_level=int(values["reorder_level"]),
        target_level=int(values["target_level"]),
        last_cost_price=number(values["last_cost_price"]),
        unit_price=number(values["unit_price"]),
        lead_time_days=int(values["lead_time_days"]),
        quantity_per_outer=int(values["quantity_per_outer"]),
        velocity_units=integer(values["velocity_units"]),
        velocity_revenue=number(values["velocity_revenue"]),
        velocity_profit=number(values["velocity_profit"]),
        recent_units=integer(values["recent_units"]),
        baseline_units=integer(values["baseline_units"]),
        supplier_key=None if supplier_key is None else int(supplier_key),
        supplier=None if values["supplier"] is None else str(values["supplier"]),
    )


@dataclass(frozen=True)
class StockSnapshot:
    """All stock positions with the windows they were computed over."""

    anchor_date: dt.date | None
    windows: DemandWindows | None
    positions: list[StockPosition]


async def stock_snapshot(warehouse: Warehouse) -> StockSnapshot:
    """Load every stock position; without any sale the demand figures are all zero, without
    any holding there is nothing to recommend or watch (`NoWarehouseData`)."""
    with tracer.start_as_current_span("wwi.analytics.stock_positions") as span:

        def read(fetch: Fetch) -> tuple[dt.date | None, DemandWindows, Sequence[Any]]:
            anchor = anchor_date(fetch(latest_sale_date_query()))
            windows = demand_windows(anchor or dt.date(1900, 1, 1))
            return anchor, windows, fetch(stock_position_query(windows))

        anchor, windows, rows = await warehouse.run(read)
        span.set_attribute("wwi.stock_items", len(rows))
        if not rows:
            raise NoWarehouseData('no rows in Fact."Stock Holding"')
        return StockSnapshot(
            anchor, windows if anchor else None, [_position(r) for r in records(rows)]
        )
