"""Internal tokens: the short-lived HS256 JWTs the gateway mints for one target service.

The services reject any request without one; the audience pins the token to its service and the
lifetime is capped, so a leaked token is worth one minute at one service. Contents never logged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import jwt
from fastapi import Request

from shared.core.bearer import bearer_token, token_scopes
from shared.core.config import Settings
from shared.core.errors import Unauthorized

INTERNAL_ALGORITHM = "HS256"
INTERNAL_ISSUER = "api-gateway"
MAX_INTERNAL_TTL_SECONDS = 60
INTERNAL_LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class InternalCaller:
    """The user on whose behalf the gateway calls a service (for authorization and audit)."""

    subject: str
    scopes: frozenset[str]
    issuer: str
    token_id: str


def _internal_secret(settings: Settings) -> str:
    if settings.internal_service_shared_secret is None:
        raise Unauthorized("internal authentication is not configured on this service")
    return settings.internal_service_shared_secret.get_secret_value()


def mint_internal_token(
    settings: Settings, *, audience: str, subject: str, scopes: Iterable[str]
) -> str:
    """An HS256 token for `audience` on behalf of `subject`, valid `internal_token_ttl_seconds`."""
    if settings.internal_service_shared_secret is None:
        raise RuntimeError("INTERNAL_SERVICE_SHARED_SECRET is not set; cannot mint internal tokens")
    now = int(time.time())
    ttl = min(settings.internal_token_ttl_seconds, MAX_INTERNAL_TTL_SECONDS)
    payload = {
        "iss": INTERNAL_ISSUER,
        "aud": audience,
        "sub": subject,
        "scope": " ".join(sorted(set(scopes))),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    secret = settings.internal_service_shared_secret.get_secret_value()
    return jwt.encode(payload, secret, algorithm=INTERNAL_ALGORITHM)


def verify_internal_token(settings: Settings, token: str, *, audience: str) -> InternalCaller:
    """Check an internal token meant for `audience`; raise `Unauthorized` naming the reason."""
    try:
        claims = jwt.decode(
            token,
            _internal_secret(settings),
            algorithms=[INTERNAL_ALGORITHM],
            audience=audience,
            leeway=INTERNAL_LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("internal token expired") from None
    except jwt.ImmatureSignatureError:
        raise Unauthorized("internal token not yet valid") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized(f"internal token is not for {audience}") from None
    except jwt.MissingRequiredClaimError as error:
        raise Unauthorized(f"internal token lacks the {error.claim} claim") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid internal token") from None
    if claims["iss"] not in settings.internal_service_allowed_issuers:
        raise Unauthorized("internal token issuer is not allowed")
    if claims["exp"] - claims["iat"] > MAX_INTERNAL_TTL_SECONDS:
        raise Unauthorized(f"internal token lifetime exceeds {MAX_INTERNAL_TTL_SECONDS}s")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise Unauthorized("internal token has no subject")
    return InternalCaller(
        subject=claims["sub"],
        scopes=token_scopes(claims),
        issuer=claims["iss"],
        token_id=str(claims["jti"]),
    )


def require_internal_caller(audience: str) -> Callable[[Request], Awaitable[InternalCaller]]:
    """FastAPI dependency for a service: the verified caller, also set as `request.state.caller`."""

    async def internal_caller(request: Request) -> InternalCaller:
        settings: Settings = request.app.state.settings
        caller = verify_internal_token(settings, bearer_token(request), audience=audience)
        request.state.caller = caller
        return caller

    return internal_caller
