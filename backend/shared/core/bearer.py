"""What both token checks read: the bearer token of a request and the scopes of a claim set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from shared.core.errors import Unauthorized


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`; a 401 saying what is wrong otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized("missing bearer token", error="invalid_request")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authorization header must be: Bearer <token>", error="invalid_request")
    return token.strip()


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """Scopes from `scope` and `scp`, each a space-separated string or a list of strings."""
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return frozenset(found)
