"""What-if scenarios: create (compute and store) and list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.wwi_service.models import ScenarioCreate, ScenarioModel, ScenariosResponse
from services.wwi_service.persistence import scenarios_query
from services.wwi_service.scenarios import create_scenario
from shared.core.audit import current_trace_id
from shared.core.deps import Ctx, Offset, OptionalLimit

router = APIRouter(tags=["wwi scenarios"])


@router.get("/scenarios", response_model=ScenariosResponse)
async def list_scenarios(
    ctx: Ctx, limit: OptionalLimit = None, offset: Offset = 0
) -> ScenariosResponse:
    """Stored what-if scenarios with their inputs, baseline and results, newest first."""
    page_size = ctx.limit(limit)

    async def work() -> list[dict[str, Any]]:
        return await ctx.page(scenarios_query(), limit=page_size, offset=offset)

    rows = await ctx.audited("scenarios.list", {"limit": page_size, "offset": offset}, work)
    return ScenariosResponse(
        limit=page_size, offset=offset, items=[ScenarioModel(**row) for row in rows]
    )


@router.post(
    "/scenarios",
    response_model=ScenarioModel,
    status_code=201,
    responses={422: {"description": "A parameter is out of range; the error names it"}},
)
async def post_scenario(ctx: Ctx, payload: ScenarioCreate) -> ScenarioModel:
    """Project revenue, profit, stock-outs and reorder cost under changed demand, price and
    lead time against the baseline, store the scenario and return it."""

    async def work() -> ScenarioModel:
        return await create_scenario(
            ctx.warehouse,
            ctx.sessions,
            payload=payload,
            actor=ctx.caller.subject,
            trace_id=current_trace_id(),
        )

    return await ctx.audited("scenarios.create", payload.model_dump(), work)
