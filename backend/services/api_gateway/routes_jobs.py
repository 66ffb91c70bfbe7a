"""Job history of each analytics service: `/api/jobs/aw` is aw-service's `/api/aw/jobs`.

The query string (`limit`, `offset`, `job_id`) is checked with the services' own parameter
types and passed on unchanged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream
from shared.core.deps import Offset, OptionalLimit
from shared.core.service import JobHistory

router = APIRouter(
    prefix="/api/jobs",
    tags=["jobs"],
    responses={**PROXY_RESPONSES, 200: {"model": JobHistory}},
)

# The services' own parameter types, declared for validation and the OpenAPI document.
JobId = Annotated[str | None, Query(max_length=128, description="Only this job's runs")]


@router.get("/aw")
async def aw_job_history(
    request: Request,
    principal: Principal,
    limit: OptionalLimit = None,
    offset: Offset = 0,
    job_id: JobId = None,
) -> Response:
    """AW job history: scheduled runs, newest first, with status, duration and result."""
    return await upstream(request, "aw").forward(request, principal, "/api/aw/jobs")


@router.get("/wwi")
async def wwi_job_history(
    request: Request,
    principal: Principal,
    limit: OptionalLimit = None,
    offset: Offset = 0,
    job_id: JobId = None,
) -> Response:
    """WWI job history: scheduled runs, newest first, with status, duration and result."""
    return await upstream(request, "wwi").forward(request, principal, "/api/wwi/jobs")
