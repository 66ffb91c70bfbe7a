"""Reorder recommendations: which held items to buy now, how many outers, and how urgently.

For each stock position (see `analytics_stock`):
  v              = units sold in the last 90 days / 90                    (daily velocity)
  lead demand    = v * "Lead Time Days"
  days of cover  = on hand / v                     (None when nothing sold: cover is unbounded)
  needs reorder  when on hand <= "Reorder Level", or days of cover < lead time (the item will
                 run out before an order placed now arrives, whatever its reorder level says)
  order-up-to    = "Target Stock Level" + lead demand  (stock is back at target when it arrives)
  outers         = ceil((order-up-to - on hand) / "Quantity Per Outer")  (whole outers only;
                   a quantity per outer below 1 counts as 1)
  quantity       = outers * quantity per outer
  urgency        critical  on hand <= 0, or days of cover < lead time (stock-out before arrival)
                 high      days of cover < 2 x lead time (little slack if the supplier is late)
                 medium    otherwise (at or below the level, but stock lasts; or nothing sells)
  estimated cost = quantity * "Last Cost Price"
Items whose order-up-to level is already covered (outers = 0) are not recommended.
"""

from __future__ import annotations

import math

from services.wwi_service.analytics_common import Warehouse, as_period
from services.wwi_service.analytics_stock import StockPosition, stock_snapshot
from services.wwi_service.models import (
    ReorderRecommendationModel,
    StockRecommendationsResponse,
    Urgency,
)

URGENCY_ORDER = {"critical": 0, "high": 1, "medium": 2}


def whole_outers(shortfall: float, quantity_per_outer: int) -> int:
    """Outers needed to cover `shortfall` units (rounded to 1e-6 first so float noise such as
    12.0000000001 does not buy an extra outer)."""
    per_outer = max(1, quantity_per_outer)
    if shortfall <= 0:
        return 0
    return math.ceil(round(shortfall / per_outer, 6))


def recommend(position: StockPosition) -> ReorderRecommendationModel | None:
    """The recommendation for one item, or None when it does not need reordering."""
    velocity = position.daily_velocity
    lead = position.lead_time_days
    on_hand = position.quantity_on_hand
    cover = max(0, on_hand) / velocity if velocity > 0 else None
    short_cover = cover is not None and cover < lead
    if not (on_hand <= position.reorder_level or short_cover):
        return None
    outers = whole_outers(
        position.target_level + velocity * lead - on_hand, position.quantity_per_outer
    )
    if outers == 0:
        return None
    quantity = outers * max(1, position.quantity_per_outer)
    urgency: Urgency
    if on_hand <= 0 or short_cover:
        urgency = "critical"
    elif cover is not None and cover < 2 * lead:
        urgency = "high"
    else:
        urgency = "medium"
    return ReorderRecommendationModel(
        stock_item_key=position.stock_item_key,
        wwi_stock_item_id=position.wwi_stock_item_id,
        stock_item=position.stock_item,
        supplier_key=position.supplier_key,
        supplier=position.supplier,
        quantity_on_hand=on_hand,
        reorder_level=position.reorder_level,
        target_level=position.target_level,
        daily_velocity=velocity,
        lead_time_days=position.lead_time_days,
        days_of_cover=cover,
        quantity_per_outer=max(1, position.quantity_per_outer),
        outers_to_order=outers,
        quantity_to_order=quantity,
        urgency=urgency,
        unit_cost=position.last_cost_price,
        estimated_cost=round(quantity * position.last_cost_price, 2),
    )


def recommendations(positions: list[StockPosition]) -> list[ReorderRecommendationModel]:
    """Every item to reorder, most urgent first, then least cover, then by name."""
    found = [r for r in (recommend(p) for p in positions) if r is not None]
    return sorted(
        found,
        key=lambda r: (
            URGENCY_ORDER[r.urgency],
            math.inf if r.days_of_cover is None else r.days_of_cover,
            r.stock_item,
            r.stock_item_key,
        ),
    )


async def stock_recommendations(
    warehouse: Warehouse, *, urgency: Urgency | None, limit: int
) -> StockRecommendationsResponse:
    """The first `limit` recommendations (of `urgency` only, if given), with the count and the
    estimated cost of all of them."""
    snapshot = await stock_snapshot(warehouse)
    found = recommendations(snapshot.positions)
    if urgency is not None:
        found = [r for r in found if r.urgency == urgency]
    return StockRecommendationsResponse(
        anchor_date=snapshot.anchor_date,
        velocity_window=as_period(snapshot.windows.velocity if snapshot.windows else None),
        count=len(found),
        total_estimated_cost=round(sum(r.estimated_cost for r in found), 2),
        items=found[:limit],
    )
