"""The what-if day-by-day model on hand-made positions, checked against hand-computed days."""

from __future__ import annotations

import pytest

from services.wwi_service.analytics_stock import VELOCITY_DAYS, StockPosition
from services.wwi_service.whatif import (
    Assumptions,
    compare,
    inputs_hash,
    normalise_inputs,
    simulate_item,
)


def position(**overrides: object) -> StockPosition:
    values: dict[str, object] = {
        "stock_item_key": 1, "wwi_stock_item_id": 1, "stock_item": "widget",
        "quantity_on_hand": 10, "reorder_level": 4, "target_level": 20,
        "last_cost_price": 3.0, "unit_price": 9.0, "lead_time_days": 3,
        "quantity_per_outer": 5, "velocity_units": 2 * VELOCITY_DAYS,
        "velocity_revenue": 2 * VELOCITY_DAYS * 10.0, "velocity_profit": 2 * VELOCITY_DAYS * 6.0,
        "recent_units": 0, "baseline_units": 0, "supplier_key": 1, "supplier": "S",
    }  # fmt: skip
    values.update(overrides)
    return StockPosition(**values)  # type: ignore[arg-type]


def test_reorder_cycle_by_hand() -> None:
    # 2 units/day, 10 on hand, reorder at <= 4, order up to 20 + 2*3 = 26, outers of 5.
    # Day 1: position 10 > 4, sell 2 -> 8. Day 2 -> 6. Day 3 -> 4.
    # Day 4: position 4 <= 4: order ceil((26-4)/5)=5 outers = 25 units, due day 7; sell -> 2.
    # Day 5: position 2 + 25 on order = 27 > 4; sell -> 0. Day 6: nothing to sell: 2 lost.
    # Day 7: 25 arrive; sell -> 23. Days 8-10 -> 17. No second order (17 > 4).
    outcome = simulate_item(position(), Assumptions(), horizon=10)
    assert outcome.orders == 1 and outcome.reorder_units == 25
    assert outcome.units_sold == pytest.approx(18) and outcome.lost_units == pytest.approx(2)
    assert outcome.stockout_days == 1
    assert outcome.revenue == pytest.approx(18 * 10.0)
    assert outcome.profit == pytest.approx(18 * 6.0)
    assert outcome.reorder_cost == pytest.approx(25 * 3.0)


def test_zero_lead_time_order_arrives_the_same_day() -> None:
    outcome = simulate_item(position(lead_time_days=0, quantity_on_hand=0), Assumptions(), 5)
    assert outcome.stockout_days == 0 and outcome.orders == 1


def test_lead_time_change_is_floored_at_zero_days() -> None:
    shorter = simulate_item(position(), Assumptions(lead_time_change_days=-30), 10)
    assert shorter.stockout_days == 0


def test_price_change_scales_revenue_and_keeps_units() -> None:
    base, result = compare(
        [position(), position(stock_item_key=2)], Assumptions(price_change_pct=-25), 30
    )
    assert result["units_sold"] == base["units_sold"]
    assert result["revenue"] == pytest.approx(base["revenue"] * 0.75, abs=0.01)
    assert result["delta"]["revenue"] == pytest.approx(-base["revenue"] * 0.25, abs=0.01)


def test_item_without_sales_uses_list_price_and_last_cost() -> None:
    idle = position(velocity_units=0, velocity_revenue=0, velocity_profit=0)
    assert idle.realised_unit_price == 9.0 and idle.realised_unit_cost == 3.0
    assert simulate_item(idle, Assumptions(demand_change_pct=50), 30).demand_units == 0


def test_normalised_inputs_hash_alike() -> None:
    a = normalise_inputs(
        {"demand_change_pct": 20, "horizon_days": 30, "stock_item_keys": [3, 1, 3]}
    )
    b = normalise_inputs(
        {
            "demand_change_pct": 20.00001,
            "price_change_pct": -0.0,
            "horizon_days": 30,
            "stock_item_keys": [1, 3],
            "stock_item_name_contains": "  ",
        }
    )
    assert a == b and inputs_hash(a) == inputs_hash(b)
    c = normalise_inputs({"demand_change_pct": 20, "horizon_days": 31})
    assert inputs_hash(c) != inputs_hash(a)
