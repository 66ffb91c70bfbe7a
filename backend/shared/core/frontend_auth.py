"""Frontend auth (gateway only): access tokens from the OpenID provider, checked against its JWKS.

Asymmetric algorithms only, pinned per key, plus `iss`, `aud`, `exp`, `nbf` and the required
scopes. PyJWT, not python-jose (DESIGN.md). Token contents are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request

from shared.core.bearer import bearer_token, token_scopes
from shared.core.config import ISSUER_REQUIRED, ConfigError, Settings
from shared.core.errors import DependencyUnavailable, Forbidden, Unauthorized

logger = logging.getLogger(__name__)

FRONTEND_LEEWAY_SECONDS = 30.0

# Which signature algorithms a key of each type may verify. Symmetric ("oct") keys and "none"
# are absent on purpose: accepting HS256 would let anyone sign with the public key as secret.
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
FRONTEND_ALGORITHMS = _RSA_ALGORITHMS | frozenset(_EC_ALGORITHMS.values()) | {"EdDSA"}


@dataclass(frozen=True)
class FrontendPrincipal:
    """The end user behind a request; `authenticated` is False only when auth is disabled."""

    subject: str
    scopes: frozenset[str]
    claims: Mapping[str, Any] = field(default_factory=dict)
    authenticated: bool = True


def _key_allows(jwk: Mapping[str, Any], alg: str) -> bool:
    """Whether this public key may verify `alg`: by its own `alg` when published, else by type."""
    if alg not in FRONTEND_ALGORITHMS:
        return False
    if "alg" in jwk:
        return bool(jwk["alg"] == alg)
    kty = jwk.get("kty")
    if kty == "RSA":
        return alg in _RSA_ALGORITHMS
    if kty == "EC":
        return _EC_ALGORITHMS.get(str(jwk.get("crv"))) == alg
    return kty == "OKP" and jwk.get("crv") == "Ed25519" and alg == "EdDSA"


@dataclass(frozen=True)
class _Verified:
    """A token that passed every check: its principal, until when it stays valid (`exp` plus
    the leeway, wall clock), and the key set generation it was checked against."""

    principal: FrontendPrincipal
    valid_until: float
    generation: int


class FrontendTokenVerifier:
    """Verifies the provider's access tokens; one per gateway process (JWKS cache inside).

    `iss` must always equal FRONTEND_JWT_ISSUER_URL: a JWKS URL alone would accept a token from
    any issuer that shares the key set (one multi-tenant provider, many realms). Keys come from
    FRONTEND_JWT_JWKS_URL when set (it only skips discovery), else from the `jwks_uri` of the
    issuer's discovery document. They are cached for `cache_seconds`; a token with an unknown
    `kid` triggers a refetch, at most one per `refetch_interval` seconds, shared by all requests
    waiting on it, so a flood of made-up kids cannot hammer the provider.

    A browser sends the same access token with every call until it expires, so tokens that
    passed are remembered (at most `verified_cache_size`, least recently used dropped): the
    same token string again skips parsing and the RSA check (docs/benchmarks.md). A
    remembered token is served only while it has not expired (`exp` re-checked with the same
    leeway) and while the key set it was checked against is the current one and not older than
    `cache_seconds`; a refetched key set forgets them all. Failures are never remembered.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        refetch_interval: float = 10.0,
        cache_seconds: float = 3600.0,
        leeway: float = FRONTEND_LEEWAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        verified_cache_size: int = 1024,
    ) -> None:
        if not settings.frontend_jwt_issuer_url:
            raise ConfigError([ISSUER_REQUIRED])
        if not settings.frontend_jwt_audience:
            raise ConfigError(["FRONTEND_JWT_AUDIENCE must be set to verify frontend tokens"])
        self._issuer: str = settings.frontend_jwt_issuer_url
        self._jwks_url = settings.frontend_jwt_jwks_url or None  # "" (set empty) means discover
        self._audience = settings.frontend_jwt_audience
        self._required = settings.required_scopes
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        self._owns_http = http is None
        self._refetch_interval = refetch_interval
        self._cache_seconds = cache_seconds
        self._leeway = leeway
        self._clock = clock
        self._keys: list[dict[str, Any]] | None = None
        self._prepared: dict[tuple[str, str], jwt.PyJWK] = {}
        self._loaded_at = 0.0
        self._last_attempt: float | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self._verified: OrderedDict[str, _Verified] = OrderedDict()
        self._verified_cache_size = verified_cache_size

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def verify(self, token: str) -> FrontendPrincipal:
        """The principal of a valid token; `Unauthorized` (401) or `Forbidden` (403) otherwise."""
        remembered = self._verified.get(token)
        if remembered is not None:
            if self._still_valid(remembered):
                self._verified.move_to_end(token)
                return remembered.principal
            del self._verified[token]
        principal = await self._check(token)
        self._verified[token] = _Verified(
            principal, float(principal.claims["exp"]) + self._leeway, self._generation
        )
        if len(self._verified) > self._verified_cache_size:
            self._verified.popitem(last=False)
        return principal

    def _still_valid(self, remembered: _Verified) -> bool:
        return (
            remembered.generation == self._generation
            and self._clock() - self._loaded_at <= self._cache_seconds
            and time.time() < remembered.valid_until
        )

    async def _check(self, token: str) -> FrontendPrincipal:
        """Every check of `verify`, from the header to the scopes."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("malformed bearer token") from None
        alg, kid = header.get("alg"), header.get("kid")
        if not isinstance(alg, str) or alg not in FRONTEND_ALGORITHMS:
            raise Unauthorized("token algorithm is not allowed")
        if kid is not None and not isinstance(kid, str):
            raise Unauthorized("malformed token key id")
        key = await self._key_for(kid, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self._audience,
                leeway=self._leeway,
                # `iss` is compared below, without a trailing slash on either side.
                options={"require": ["exp", "sub", "iss"], "verify_iss": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("token audience is not accepted") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorized(f"token lacks the {error.claim} claim") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("token signature is invalid") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid token") from None
        if str(claims["iss"]).rstrip("/") != self._issuer:
            raise Unauthorized("token issuer is not accepted")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise Unauthorized("token has no subject")
        scopes = token_scopes(claims)
        missing = self._required - scopes
        if missing:
            raise Forbidden(f"token lacks required scope {' '.join(sorted(missing))}")
        return FrontendPrincipal(subject=claims["sub"], scopes=scopes, claims=claims)

    async def _key_for(self, kid: str | None, alg: str) -> jwt.PyJWK:
        now = self._clock()
        if self._keys is None or now - self._loaded_at > self._cache_seconds:
            await self._refresh(self._generation)
        if self._keys is None:
            raise DependencyUnavailable("identity provider", "cannot load the token signing keys")
        generation = self._generation
        jwk = self._lookup(kid)
        if jwk is None:
            # The kid is attacker-chosen: log it quoted and cut short, and only at debug level.
            logger.debug("unknown signing key id %r; refreshing signing keys", (kid or "")[:64])
            await self._refresh(generation)
            jwk = self._lookup(kid)
        if jwk is None:
            raise Unauthorized("token signed by an unknown key")
        if not _key_allows(jwk, alg):
            raise Unauthorized("token algorithm does not match its key")
        cache_key = (str(jwk.get("kid", "")), alg)
        prepared = self._prepared.get(cache_key)
        if prepared is None:
            try:
                prepared = jwt.PyJWK(jwk, algorithm=alg)
            except jwt.PyJWTError:
                raise Unauthorized("token signing key is unusable") from None
            self._prepared[cache_key] = prepared
        return prepared

    def _lookup(self, kid: str | None) -> dict[str, Any] | None:
        keys = self._keys or []
        if kid is None:
            # No kid in the token: only unambiguous when the provider publishes a single key.
            return keys[0] if len(keys) == 1 else None
        return next((key for key in keys if key.get("kid") == kid), None)

    async def _refresh(self, seen_generation: int) -> None:
        async with self._lock:
            if self._generation != seen_generation:
                return  # another request refreshed the keys while we waited: reuse its result
            now = self._clock()
            if self._last_attempt is not None and now - self._last_attempt < self._refetch_interval:
                return  # refetched moments ago; do not let bad kids hammer the provider
            self._last_attempt = now
            try:
                keys = await self._fetch_keys()
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                logger.warning("cannot fetch token signing keys: %s", type(error).__name__)
                return
            self._keys = keys
            self._prepared = {}
            self._loaded_at = now
            self._generation += 1
            logger.info("loaded %s token signing key(s)", len(keys))

    async def _fetch_keys(self) -> list[dict[str, Any]]:
        url = self._jwks_url
        if url is None:
            response = await self._http.get(f"{self._issuer}/.well-known/openid-configuration")
            response.raise_for_status()
            url = str(response.json()["jwks_uri"])
            if not url.startswith(("https://", "http://")):
                raise ValueError("jwks_uri is not an http(s) URL")
            self._jwks_url = url
        response = await self._http.get(url)
        response.raise_for_status()
        keys = response.json()["keys"]
        if not isinstance(keys, list):
            raise TypeError("JWKS keys is not a list")
        # Keep only public signature keys of asymmetric types; never a symmetric ("oct") key.
        return [
            key
            for key in keys
            if isinstance(key, dict)
            and key.get("kty") in ("RSA", "EC", "OKP")
            and key.get("use", "sig") == "sig"
        ]


def warn_if_auth_disabled(settings: Settings, log: logging.Logger) -> bool:
    """Log a loud warning at start-up when REQUIRE_FRONTEND_AUTH=false; True if disabled."""
    if settings.require_frontend_auth:
        return False
    log.warning(
        "REQUIRE_FRONTEND_AUTH=false: the public API accepts ANONYMOUS requests without a token. "
        "Use this for local development only; never in a shared or production deployment."
    )
    return True


async def frontend_principal(request: Request) -> FrontendPrincipal:
    """The verified end user, or an anonymous principal when frontend auth is disabled."""
    settings: Settings = request.app.state.settings
    if not settings.require_frontend_auth:
        principal = FrontendPrincipal(
            subject="anonymous", scopes=settings.required_scopes, authenticated=False
        )
    else:
        verifier: FrontendTokenVerifier = request.app.state.frontend_verifier
        principal = await verifier.verify(bearer_token(request))
    request.state.principal = principal
    return principal


Principal = Annotated[FrontendPrincipal, Depends(frontend_principal)]
