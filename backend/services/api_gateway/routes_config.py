"""Runtime configuration for the frontend, liveness and readiness of the gateway.

`/api/config` and `/api/health` are the only unauthenticated paths. `/api/config` returns exactly
the four OIDC values the frontend needs at boot (keys: the variable names in lower case), plus
`tempo_url` only when TEMPO_URL is set (a browser-facing link, for trace links), and nothing else,
ever: no secret, issuer detail or internal URL may be added to it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.api_gateway.auth import PROTECTED_RESPONSES, Principal
from services.api_gateway.proxy import Upstream
from shared.core.config import Settings
from shared.db.postgres import ping

READY_TIMEOUT_SECONDS = 3.0

router = APIRouter(tags=["config"])


class FrontendConfig(BaseModel):
    """The OIDC settings the SPA reads before its first render."""

    model_config = ConfigDict(extra="forbid")

    oidc_enabled: bool = Field(description="OIDC_ENABLED")
    oidc_authority: str = Field(description="OIDC_AUTHORITY")
    frontend_oidc_client_id: str = Field(description="FRONTEND_OIDC_CLIENT_ID")
    frontend_oidc_scope: str = Field(description="FRONTEND_OIDC_SCOPE")
    tempo_url: str | None = Field(None, description="TEMPO_URL; omitted when unset")


class Health(BaseModel):
    status: str = "ok"


@router.get("/api/config", response_model=FrontendConfig, response_model_exclude_none=True)
async def frontend_config(request: Request) -> FrontendConfig:
    """OIDC settings for the frontend (unauthenticated)."""
    settings: Settings = request.app.state.settings
    return FrontendConfig(
        oidc_enabled=settings.oidc_enabled,
        oidc_authority=settings.oidc_authority,
        frontend_oidc_client_id=settings.frontend_oidc_client_id,
        frontend_oidc_scope=settings.frontend_oidc_scope,
        tempo_url=settings.tempo_url or None,
    )


@router.get("/api/health", response_model=Health)
async def health() -> Health:
    """Liveness of the gateway process (unauthenticated)."""
    return Health()


async def _postgres(request: Request) -> tuple[bool, str]:
    state = request.app.state
    try:
        await asyncio.wait_for(ping(state.pg_engine), timeout=READY_TIMEOUT_SECONDS)
    except Exception as error:
        return False, f"unavailable: {type(error).__name__}"
    if not state.schema_ready:
        return False, "schema not created yet"
    return True, "ok"


async def _identity_provider(settings: Settings) -> tuple[bool, str]:
    """Whether the provider's JWKS (or discovery document) answers: new keys can be fetched."""
    url = settings.frontend_jwt_jwks_url or (
        f"{settings.frontend_jwt_issuer_url}/.well-known/openid-configuration"
    )
    try:
        async with httpx.AsyncClient(timeout=READY_TIMEOUT_SECONDS) as client:
            response = await client.get(url)
    except httpx.HTTPError as error:
        return False, f"unavailable: {type(error).__name__}"
    return (True, "ok") if response.status_code == 200 else (False, f"HTTP {response.status_code}")


async def _upstream(upstream: Upstream) -> tuple[bool, str]:
    ok, detail = await upstream.ready()
    return ok, "ok" if ok else f"unavailable: {detail}"


@router.get(
    "/api/ready",
    responses={**PROTECTED_RESPONSES, 503: {"description": "A dependency is not ready"}},
)
async def ready(request: Request, principal: Principal) -> JSONResponse:
    """Readiness of every dependency: PostgreSQL, aw-service, wwi-service and, with auth on,
    the identity provider."""
    settings: Settings = request.app.state.settings
    upstreams: dict[str, Upstream] = request.app.state.upstreams
    names = ["postgres", *(upstream.name for upstream in upstreams.values())]
    probes = [_postgres(request), *(_upstream(upstream) for upstream in upstreams.values())]
    if settings.require_frontend_auth:
        names.append("identity-provider")
        probes.append(_identity_provider(settings))
    results = await asyncio.gather(*probes)
    checks: dict[str, Any] = {
        name: detail for name, (_, detail) in zip(names, results, strict=True)
    }
    ok = all(passed for passed, _ in results)
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks},
        status_code=200 if ok else 503,
    )
