"""Creating a what-if scenario: validate against the data, compute, store, return the row.

The computation itself is `whatif`; here the inputs are normalised and hashed, the stock
positions loaded, and inputs, baseline and results stored together in `wwi_whatif_scenarios`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.wwi_service import whatif
from services.wwi_service.analytics import Warehouse, stock_snapshot
from services.wwi_service.analytics_common import tracer
from services.wwi_service.models import ScenarioCreate, ScenarioModel
from services.wwi_service.persistence import save_scenario
from shared.core.deps import STORE_ERRORS, store_unavailable
from shared.core.errors import invalid_field


async def create_scenario(
    warehouse: Warehouse,
    sessions: async_sessionmaker[AsyncSession],
    *,
    payload: ScenarioCreate,
    actor: str,
    trace_id: str | None,
) -> ScenarioModel:
    """Run the scenario against the current warehouse and store it; the stored row is returned.

    An item key that is not held, or a filter that matches no held item, is a 422 naming the
    field (not an empty or partial result).
    """
    inputs = whatif.normalise_inputs(payload.model_dump())
    snapshot = await stock_snapshot(warehouse)
    positions = whatif.select_positions(
        snapshot.positions,
        stock_item_keys=inputs["stock_item_keys"],
        name_contains=inputs["stock_item_name_contains"],
    )
    if inputs["stock_item_keys"]:
        held = {p.stock_item_key for p in snapshot.positions}
        unknown = [key for key in inputs["stock_item_keys"] if key not in held]
        if unknown:
            shown = ", ".join(str(key) for key in unknown[:10])
            raise invalid_field(
                "stock_item_keys",
                f'not held in Fact."Stock Holding": {shown}',
                location="body",
            )
    if not positions:
        field = "stock_item_name_contains"
        raise invalid_field(field, 'matches no item held in Fact."Stock Holding"', location="body")
    horizon = inputs["horizon_days"]
    with tracer.start_as_current_span("wwi.whatif.compare") as span:
        span.set_attribute("wwi.whatif.items", len(positions))
        span.set_attribute("wwi.whatif.horizon_days", horizon)
        baseline, results = whatif.compare(positions, whatif.assumptions_from(inputs), horizon)
    anchor = snapshot.anchor_date.isoformat() if snapshot.anchor_date else None
    row = {
        "name": payload.name.strip() or _default_name(inputs),
        "actor": actor[:256],
        "inputs": inputs,
        "inputs_hash": whatif.inputs_hash(inputs),
        "baseline": {**baseline, "anchor_date": anchor, "horizon_days": horizon},
        "results": results,
        "trace_id": trace_id,
    }
    try:
        async with sessions.begin() as session:
            stored = await save_scenario(session, row)
    except STORE_ERRORS as error:
        raise store_unavailable(error) from error
    return ScenarioModel(**stored)


def _default_name(inputs: dict[str, Any]) -> str:
    return (
        f"demand {inputs['demand_change_pct']:+g}%, price {inputs['price_change_pct']:+g}%, "
        f"lead time {inputs['lead_time_change_days']:+d}d, {inputs['horizon_days']}d"
    )
