"""What every protected gateway route shares: the caller dependency and its documented errors.

`Principal` (from `shared.core.frontend_auth`) is the verified end user: a Bearer JWT
checked against the provider's JWKS, or an anonymous principal when REQUIRE_FRONTEND_AUTH=false.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.api_gateway.proxy import Upstream
from shared.core.frontend_auth import FrontendPrincipal, Principal

__all__ = ["PROTECTED_RESPONSES", "PROXY_RESPONSES", "FrontendPrincipal", "Principal", "upstream"]

_PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}

PROTECTED_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid bearer token", "content": _PROBLEM},
    403: {"description": "Token lacks a required scope", "content": _PROBLEM},
}
PROXY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROTECTED_RESPONSES,
    502: {"description": "The analytics service is unreachable (names it)", "content": _PROBLEM},
    504: {"description": "The analytics service timed out (names it)", "content": _PROBLEM},
}


def upstream(request: Request, domain: str) -> Upstream:
    """The pooled client of `domain` ("aw" or "wwi") opened by the lifespan."""
    found: Upstream = request.app.state.upstreams[domain]
    return found
