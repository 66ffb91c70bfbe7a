"""shared.core.internal_tokens against a real issuer on 127.0.0.1 (tests/support/oidc_issuer.py)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI, Request

from shared.core.config import ConfigError, Settings, build_settings
from shared.core.errors import (
    DependencyUnavailable,
    Forbidden,
    Unauthorized,
    install_error_handlers,
)
from shared.core.frontend_auth import FrontendTokenVerifier, Principal, warn_if_auth_disabled
from shared.core.internal_tokens import (
    InternalCaller,
    mint_internal_token,
    require_internal_caller,
    verify_internal_token,
)
from tests.support.oidc_issuer import AUDIENCE, SCOPE, OidcIssuer

SECRET = "s3cret-" + "x" * 40
AwCaller = Annotated[InternalCaller, Depends(require_internal_caller("aw-service"))]


class Clock:
    """A monotonic clock the test moves forward, so rate limits are checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_settings(issuer: OidcIssuer | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "require_frontend_auth": True,
        "frontend_jwt_issuer_url": issuer.url if issuer else "http://127.0.0.1:9",
        "frontend_jwt_jwks_url": None,
        "frontend_jwt_audience": AUDIENCE,
        "frontend_required_scopes": SCOPE,
        "internal_service_shared_secret": SECRET,
        "internal_service_allowed_issuers": ["api-gateway"],
        "internal_token_ttl_seconds": 60,
    }
    values.update(overrides)
    return build_settings(**values)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def verifier(issuer: OidcIssuer, clock: Clock) -> AsyncIterator[FrontendTokenVerifier]:
    instance = FrontendTokenVerifier(make_settings(issuer), clock=clock)
    yield instance
    await instance.aclose()


class TestFrontendTokens:
    async def test_valid_token_is_accepted(self, issuer: OidcIssuer, verifier: Any) -> None:
        principal = await verifier.verify(issuer.sign(issuer.claims(sub="bob", scope="bi.read x")))
        assert principal.subject == "bob"
        assert principal.scopes == {"bi.read", "x"}
        assert principal.claims["aud"] == AUDIENCE
        assert principal.authenticated

    async def test_es256_key_and_scp_list_are_accepted(
        self, issuer: OidcIssuer, verifier: Any
    ) -> None:
        key = issuer.add_key("ES256", publish_alg=False)
        token = issuer.sign(issuer.claims(scope=None, scp=["bi.read"]), key=key)
        principal = await verifier.verify(token)
        assert principal.scopes == {"bi.read"}

    async def test_expired_token_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        now = int(time.time())
        token = issuer.sign(issuer.claims(iat=now - 600, nbf=now - 600, exp=now - 60))
        with pytest.raises(Unauthorized, match="expired"):
            await verifier.verify(token)

    async def test_expiry_within_leeway_is_tolerated(
        self, issuer: OidcIssuer, verifier: Any
    ) -> None:
        now = int(time.time())
        token = issuer.sign(issuer.claims(iat=now - 600, nbf=now - 600, exp=now - 5))
        assert (await verifier.verify(token)).subject == "alice"

    async def test_not_yet_valid_token_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        token = issuer.sign(issuer.claims(nbf=int(time.time()) + 300))
        with pytest.raises(Unauthorized, match="not yet valid"):
            await verifier.verify(token)

    async def test_wrong_issuer_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        with pytest.raises(Unauthorized, match="issuer"):
            await verifier.verify(issuer.sign(issuer.claims(iss="http://127.0.0.1:1/evil")))

    async def test_wrong_audience_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        with pytest.raises(Unauthorized, match="audience"):
            await verifier.verify(issuer.sign(issuer.claims(aud="another-api")))

    async def test_alg_none_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        token = f"{b64({'alg': 'none', 'kid': issuer.current.kid})}.{b64(issuer.claims())}."
        with pytest.raises(Unauthorized, match="algorithm"):
            await verifier.verify(token)

    async def test_hs256_signed_with_public_key_is_rejected(
        self, issuer: OidcIssuer, verifier: Any
    ) -> None:
        # The classic confusion attack: the public key PEM used as an HMAC secret.
        header = {"alg": "HS256", "typ": "JWT", "kid": issuer.current.kid}
        signing_input = f"{b64(header)}.{b64(issuer.claims())}"
        mac = hmac.new(issuer.current.public_pem(), signing_input.encode(), hashlib.sha256)
        signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
        with pytest.raises(Unauthorized, match="algorithm"):
            await verifier.verify(f"{signing_input}.{signature}")

    async def test_algorithm_is_pinned_to_the_published_key_alg(
        self, issuer: OidcIssuer, verifier: Any
    ) -> None:
        token = issuer.sign(alg="PS256")  # same RSA key, published with alg RS256
        with pytest.raises(Unauthorized, match="does not match"):
            await verifier.verify(token)

    async def test_unknown_key_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        stranger = OidcIssuer()  # a key nobody published
        token = stranger.sign(stranger.claims(iss=issuer.url))
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(token)

    async def test_tampered_payload_is_rejected(self, issuer: OidcIssuer, verifier: Any) -> None:
        header, _, signature = issuer.sign().split(".")
        forged = f"{header}.{b64(issuer.claims(sub='admin'))}.{signature}"
        with pytest.raises(Unauthorized, match="signature"):
            await verifier.verify(forged)

    async def test_garbage_is_rejected(self, verifier: Any) -> None:
        with pytest.raises(Unauthorized, match="malformed"):
            await verifier.verify("not-a-jwt")

    async def test_missing_scope_is_forbidden(self, issuer: OidcIssuer, verifier: Any) -> None:
        with pytest.raises(Forbidden, match=r"bi\.read"):
            await verifier.verify(issuer.sign(issuer.claims(scope="openid profile")))

    async def test_jwks_url_setting_skips_discovery(self, issuer: OidcIssuer) -> None:
        settings = make_settings(issuer, frontend_jwt_jwks_url=issuer.jwks_url)
        verifier = FrontendTokenVerifier(settings)
        try:
            assert (await verifier.verify(issuer.sign())).subject == "alice"
        finally:
            await verifier.aclose()
        assert issuer.requests == {"discovery": 0, "jwks": 1}

    async def test_empty_jwks_url_means_discovery(self, issuer: OidcIssuer) -> None:
        verifier = FrontendTokenVerifier(make_settings(issuer, frontend_jwt_jwks_url=""))
        try:
            assert (await verifier.verify(issuer.sign())).subject == "alice"
        finally:
            await verifier.aclose()
        assert issuer.requests == {"discovery": 1, "jwks": 1}

    @pytest.mark.parametrize("iss", ["http://127.0.0.1:1/other-realm", None])
    async def test_jwks_url_still_checks_the_issuer(
        self, issuer: OidcIssuer, iss: str | None
    ) -> None:
        # Same keys, another (or no) issuer: a shared JWKS must not make every issuer welcome.
        settings = make_settings(issuer, frontend_jwt_jwks_url=issuer.jwks_url)
        verifier = FrontendTokenVerifier(settings)
        try:
            with pytest.raises(Unauthorized, match="iss"):
                await verifier.verify(issuer.sign(issuer.claims(iss=iss)))
        finally:
            await verifier.aclose()

    def test_verifier_refuses_a_jwks_url_without_an_issuer(self, issuer: OidcIssuer) -> None:
        settings = make_settings(
            issuer, frontend_jwt_issuer_url=None, frontend_jwt_jwks_url=issuer.jwks_url
        )
        with pytest.raises(ConfigError, match="set FRONTEND_JWT_ISSUER_URL to the issuer"):
            FrontendTokenVerifier(settings)

    async def test_rotated_key_is_accepted_after_refetch_interval(
        self, issuer: OidcIssuer, verifier: Any, clock: Clock
    ) -> None:
        await verifier.verify(issuer.sign())
        assert issuer.requests["jwks"] == 1
        new_key = issuer.rotate()
        clock.now += 11  # past the 10 s refetch interval
        principal = await verifier.verify(issuer.sign(key=new_key))
        assert principal.subject == "alice"
        assert issuer.requests["jwks"] == 2
        # Tokens signed with the old, still-published key keep working without another fetch.
        await verifier.verify(issuer.sign(key=issuer.keys[0]))
        assert issuer.requests["jwks"] == 2

    async def test_remembered_token_is_checked_again_once_its_key_set_is_stale(
        self, issuer: OidcIssuer, verifier: Any, clock: Clock
    ) -> None:
        old = issuer.current
        token = issuer.sign()
        await verifier.verify(token)
        await verifier.verify(token)  # remembered: no second fetch
        assert issuer.requests["jwks"] == 1
        issuer.rotate()
        issuer.keys.remove(old)  # the provider withdraws the key the token was signed with
        clock.now += 3601  # past the key set's cache lifetime
        with pytest.raises(Unauthorized):
            await verifier.verify(token)
        assert issuer.requests["jwks"] == 2

    async def test_remembered_token_is_refused_once_it_expires(
        self, issuer: OidcIssuer, clock: Clock
    ) -> None:
        verifier = FrontendTokenVerifier(make_settings(issuer), clock=clock, leeway=0)
        try:
            expires = int(time.time()) + 1
            token = issuer.sign(issuer.claims(exp=expires))
            await verifier.verify(token)
            await verifier.verify(token)  # remembered
            await asyncio.sleep(expires + 0.2 - time.time())
            with pytest.raises(Unauthorized, match="expired"):
                await verifier.verify(token)
        finally:
            await verifier.aclose()

    async def test_new_key_inside_refetch_interval_waits_for_the_next_window(
        self, issuer: OidcIssuer, verifier: Any, clock: Clock
    ) -> None:
        await verifier.verify(issuer.sign())
        new_key = issuer.rotate()
        clock.now += 1
        with pytest.raises(Unauthorized, match="unknown key"):
            await verifier.verify(issuer.sign(key=new_key))
        assert issuer.requests["jwks"] == 1
        clock.now += 10
        assert (await verifier.verify(issuer.sign(key=new_key))).subject == "alice"

    async def test_flood_of_unknown_kids_refetches_once_per_interval(
        self, issuer: OidcIssuer, verifier: Any, clock: Clock
    ) -> None:
        await verifier.verify(issuer.sign())
        clock.now += 11
        bogus = [issuer.sign(headers={"kid": uuid.uuid4().hex}) for _ in range(40)]
        results = await asyncio.gather(
            *(verifier.verify(token) for token in bogus), return_exceptions=True
        )
        assert all(isinstance(result, Unauthorized) for result in results)
        assert issuer.requests["jwks"] == 2  # forty concurrent misses, one coalesced refetch
        clock.now += 5
        for token in bogus[:10]:
            with pytest.raises(Unauthorized):
                await verifier.verify(token)
        assert issuer.requests["jwks"] == 2  # still inside the interval: no refetch
        clock.now += 6
        with pytest.raises(Unauthorized):
            await verifier.verify(bogus[0])
        assert issuer.requests["jwks"] == 3

    async def test_unreachable_provider_is_503_not_500(self) -> None:
        settings = make_settings(None, frontend_jwt_issuer_url="http://127.0.0.1:9")
        verifier = FrontendTokenVerifier(settings)
        try:
            with pytest.raises(DependencyUnavailable):
                await verifier.verify(OidcIssuer().sign())
        finally:
            await verifier.aclose()

    def test_verifier_requires_an_audience(self, issuer: OidcIssuer) -> None:
        with pytest.raises(ConfigError, match="FRONTEND_JWT_AUDIENCE"):
            FrontendTokenVerifier(make_settings(issuer, frontend_jwt_audience=None))


class TestInternalTokens:
    def test_round_trip(self) -> None:
        settings = make_settings()
        token = mint_internal_token(
            settings, audience="aw-service", subject="alice", scopes=["bi.read", "x"]
        )
        caller = verify_internal_token(settings, token, audience="aw-service")
        assert (caller.subject, caller.scopes, caller.issuer) == (
            "alice",
            frozenset({"bi.read", "x"}),
            "api-gateway",
        )
        assert len(caller.token_id) >= 16

    def test_lifetime_is_at_most_sixty_seconds(self) -> None:
        for ttl in (60, 30):
            token = mint_internal_token(
                make_settings(internal_token_ttl_seconds=ttl),
                audience="aw-service",
                subject="a",
                scopes=[],
            )
            claims = jwt.decode(token, options={"verify_signature": False})
            assert claims["exp"] - claims["iat"] == ttl
            assert claims["nbf"] == claims["iat"]

    def test_token_for_another_service_is_rejected(self) -> None:
        settings = make_settings()
        token = mint_internal_token(settings, audience="wwi-service", subject="a", scopes=[])
        with pytest.raises(Unauthorized, match="not for aw-service"):
            verify_internal_token(settings, token, audience="aw-service")

    def _signed(self, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": "api-gateway",
            "aud": "aw-service",
            "sub": "alice",
            "iat": now,
            "nbf": now,
            "exp": now + 60,
            "jti": "j1",
        }
        payload.update(claims)
        return jwt.encode(payload, SECRET, algorithm="HS256")

    def test_expired_token_is_rejected(self) -> None:
        now = int(time.time())
        token = self._signed(iat=now - 120, nbf=now - 120, exp=now - 60)
        with pytest.raises(Unauthorized, match="expired"):
            verify_internal_token(make_settings(), token, audience="aw-service")

    def test_unknown_issuer_is_rejected(self) -> None:
        with pytest.raises(Unauthorized, match="issuer"):
            verify_internal_token(make_settings(), self._signed(iss="evil"), audience="aw-service")

    def test_long_lived_token_is_rejected(self) -> None:
        token = self._signed(exp=int(time.time()) + 3600)
        with pytest.raises(Unauthorized, match="lifetime"):
            verify_internal_token(make_settings(), token, audience="aw-service")

    def test_missing_nbf_is_rejected(self) -> None:
        token = self._signed()
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="aw-service")
        del claims["nbf"]
        with pytest.raises(Unauthorized, match="nbf"):
            verify_internal_token(
                make_settings(),
                jwt.encode(claims, SECRET, algorithm="HS256"),
                audience="aw-service",
            )

    def test_other_secret_or_algorithm_is_rejected(self) -> None:
        settings = make_settings()
        wrong_secret = jwt.encode(
            jwt.decode(self._signed(), options={"verify_signature": False}),
            "z" * 48,
            algorithm="HS256",
        )
        hs512 = jwt.encode({"sub": "a"}, SECRET * 2, algorithm="HS512")
        for token in (wrong_secret, hs512):
            with pytest.raises(Unauthorized, match="invalid internal token"):
                verify_internal_token(settings, token, audience="aw-service")


def make_app(settings: Settings, verifier: FrontendTokenVerifier | None) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    app.state.frontend_verifier = verifier
    install_error_handlers(app)

    @app.get("/api/me")
    async def me(principal: Principal) -> dict[str, Any]:
        return {"subject": principal.subject, "authenticated": principal.authenticated}

    @app.get("/internal/ping")
    async def ping(caller: AwCaller, request: Request) -> dict[str, Any]:
        return {"subject": caller.subject, "audited": request.state.caller.subject}

    return app


@pytest.fixture
async def client(issuer: OidcIssuer, verifier: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(make_settings(issuer), verifier)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


class TestDependencies:
    async def test_missing_token_is_401_problem_with_bearer_challenge(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/me")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_request"')
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (body["status"], body["detail"]) == (401, "missing bearer token")

    async def test_invalid_token_is_401_invalid_token(
        self, issuer: OidcIssuer, client: httpx.AsyncClient
    ) -> None:
        token = issuer.sign(issuer.claims(aud="other"))
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert "audience" in response.json()["detail"]

    async def test_valid_token_reaches_the_route(
        self, issuer: OidcIssuer, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {issuer.sign()}"})
        assert response.status_code == 200
        assert response.json() == {"subject": "alice", "authenticated": True}

    async def test_missing_scope_is_403(
        self, issuer: OidcIssuer, client: httpx.AsyncClient
    ) -> None:
        token = issuer.sign(issuer.claims(scope="openid"))
        response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
        assert response.json()["status"] == 403

    async def test_internal_dependency(self, client: httpx.AsyncClient) -> None:
        settings = make_settings()
        aw = mint_internal_token(settings, audience="aw-service", subject="bob", scopes=[])
        wwi = mint_internal_token(settings, audience="wwi-service", subject="bob", scopes=[])
        ok = await client.get("/internal/ping", headers={"Authorization": f"Bearer {aw}"})
        assert ok.json() == {"subject": "bob", "audited": "bob"}
        wrong = await client.get("/internal/ping", headers={"Authorization": f"Bearer {wwi}"})
        assert wrong.status_code == 401
        assert wrong.json()["detail"] == "internal token is not for aw-service"
        basic = await client.get("/internal/ping", headers={"Authorization": "Basic eDp5"})
        assert basic.status_code == 401
        assert 'error="invalid_request"' in basic.headers["www-authenticate"]

    async def test_auth_disabled_gives_anonymous_and_warns(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        settings = make_settings(require_frontend_auth=False)
        logger = logging.getLogger("test.gateway")
        with caplog.at_level(logging.WARNING, logger="test.gateway"):
            assert warn_if_auth_disabled(settings, logger) is True
        assert "REQUIRE_FRONTEND_AUTH=false" in caplog.text
        assert warn_if_auth_disabled(make_settings(), logger) is False
        transport = httpx.ASGITransport(app=make_app(settings, None))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            response = await http.get("/api/me")
        assert response.json() == {"subject": "anonymous", "authenticated": False}
