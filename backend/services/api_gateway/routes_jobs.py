"""Job history of each analytics service: `/api/jobs/aw` is aw-service's `/api/aw/jobs`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.api_gateway.auth import PROXY_RESPONSES, Principal, upstream
from services.api_gateway.params import Limit, Offset

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=PROXY_RESPONSES)

JobId = Annotated[str | None, Query(max_length=128, description="Only this job's runs")]


@router.get("/aw")
async def aw_job_history(
    request: Request,
    principal: Principal,
    limit: Limit = None,
    offset: Offset = 0,
    job_id: JobId = None,
) -> Response:
    """aw-service scheduled job runs, newest first, with status, duration and result."""
    return await upstream(request, "aw").forward(request, principal, "/api/aw/jobs")


@router.get("/wwi")
async def wwi_job_history(
    request: Request,
    principal: Principal,
    limit: Limit = None,
    offset: Offset = 0,
    job_id: JobId = None,
) -> Response:
    """wwi-service scheduled job runs, newest first, with status, duration and result."""
    return await upstream(request, "wwi").forward(request, principal, "/api/wwi/jobs")
