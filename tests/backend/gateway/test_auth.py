"""Frontend auth at the gateway, against a real JWKS issuer on 127.0.0.1 (tests/support)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backend.gateway.helpers import Gateway, Upstreams, gateway_settings, run_gateway
from tests.support.oidc_issuer import AUDIENCE, SCOPE, OidcIssuer

PUBLIC = {("GET", "/api/config"), ("GET", "/api/health")}


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer() as running:
        yield running


def _secured_gateway(
    postgres_url: str, upstreams: Upstreams, report_dir: Path, issuer: OidcIssuer, **extra: object
) -> Iterator[Gateway]:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=upstreams.wwi_url,
        require_frontend_auth=True,
        frontend_jwt_issuer_url=issuer.url,
        frontend_jwt_audience=AUDIENCE,
        frontend_required_scopes=SCOPE,
        oidc_enabled=True,
        oidc_authority=issuer.url,
        frontend_oidc_client_id="otel-bi-frontend",
        **extra,
    )
    with run_gateway(settings) as gateway:
        yield gateway


@pytest.fixture
def secured(
    postgres_url: str, upstreams: Upstreams, report_dir: Path, issuer: OidcIssuer
) -> Iterator[Gateway]:
    yield from _secured_gateway(postgres_url, upstreams, report_dir, issuer)


@pytest.fixture
def secured_by_jwks_url(
    postgres_url: str, upstreams: Upstreams, report_dir: Path, issuer: OidcIssuer
) -> Iterator[Gateway]:
    yield from _secured_gateway(
        postgres_url, upstreams, report_dir, issuer, frontend_jwt_jwks_url=issuer.jwks_url
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_path_but_config_and_health_needs_a_token(
    secured: Gateway, upstreams: Upstreams
) -> None:
    operations = [
        (method.upper(), path)
        for path, item in secured.app.openapi()["paths"].items()
        for method in item
    ]
    assert len(operations) >= 30  # the spec's API reference, exports, audit verify, ready
    for method, path in operations:
        response = httpx.request(method, secured.url + path, params={"format": "xlsx"})
        if (method, path) in PUBLIC:
            assert response.status_code == 200, path
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"] == "missing bearer token"
    assert upstreams.aw.seen == [] and upstreams.wwi.seen == []


def test_openapi_needs_a_token_and_docs_are_off(secured: Gateway, issuer: OidcIssuer) -> None:
    assert httpx.get(f"{secured.url}/openapi.json").status_code == 401
    assert httpx.get(f"{secured.url}/docs").status_code == 404
    document = httpx.get(f"{secured.url}/openapi.json", headers=_bearer(issuer.sign()))
    assert document.status_code == 200
    assert "/api/reports/generate" in document.json()["paths"]


def test_valid_token_reaches_the_service_as_the_user(
    secured: Gateway, issuer: OidcIssuer, upstreams: Upstreams
) -> None:
    token = issuer.sign(issuer.claims(sub="bob", scope=f"{SCOPE} profile"))
    response = httpx.get(f"{secured.url}/api/aw/sales/kpis?echo=1", headers=_bearer(token))
    assert response.status_code == 200, response.text
    caller = response.json()["caller"]
    assert caller == {"subject": "bob", "scopes": sorted([SCOPE, "profile"])}
    # The user's own token never travels past the gateway.
    assert token not in response.json()["headers"]["authorization"]


def test_missing_scope_is_403(secured: Gateway, issuer: OidcIssuer, upstreams: Upstreams) -> None:
    token = issuer.sign(issuer.claims(scope="profile"))
    response = httpx.get(f"{secured.url}/api/wwi/sales/kpis", headers=_bearer(token))
    assert response.status_code == 403
    assert SCOPE in response.json()["detail"]
    assert upstreams.wwi.seen == []


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 600}, "token expired"),
        ({"aud": "someone-else"}, "token audience is not accepted"),
        ({"iss": "http://127.0.0.1:1/evil"}, "token issuer is not accepted"),
    ],
)
def test_bad_tokens_are_401_with_a_reason(
    secured: Gateway, issuer: OidcIssuer, claims: dict[str, object], reason: str
) -> None:
    token = issuer.sign(issuer.claims(**claims))
    response = httpx.get(f"{secured.url}/api/audit", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json()["detail"] == reason
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_token_content_is_never_logged(
    secured: Gateway, issuer: OidcIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = issuer.sign()
    bad = issuer.sign(issuer.claims(aud="nope"))
    httpx.get(f"{secured.url}/api/aw/sales/kpis", headers=_bearer(good))
    httpx.get(f"{secured.url}/api/aw/sales/kpis", headers=_bearer(bad))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for token in (good, bad):
        for part in token.split("."):
            assert part not in logged


def test_config_is_public_and_has_exactly_the_four_values(
    secured: Gateway, issuer: OidcIssuer
) -> None:
    response = httpx.get(f"{secured.url}/api/config")
    assert response.status_code == 200
    assert response.json() == {
        "oidc_enabled": True,
        "oidc_authority": issuer.url,
        "frontend_oidc_client_id": "otel-bi-frontend",
        "frontend_oidc_scope": "openid profile email",
    }
    assert httpx.get(f"{secured.url}/api/health").json() == {"status": "ok"}


def test_auth_disabled_logs_a_loud_warning(
    postgres_url: str, upstreams: Upstreams, report_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=upstreams.wwi_url,
    )
    with caplog.at_level(logging.WARNING), run_gateway(settings) as gateway:
        response = httpx.get(f"{gateway.url}/api/aw/sales/kpis?echo=1")
    assert response.json()["caller"]["subject"] == "anonymous"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("REQUIRE_FRONTEND_AUTH=false" in r.getMessage() for r in warnings)


def test_ready_checks_the_identity_provider_when_auth_is_on(
    secured: Gateway, issuer: OidcIssuer
) -> None:
    response = httpx.get(f"{secured.url}/api/ready", headers=_bearer(issuer.sign()))
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["identity-provider"] == "ok"


def test_a_jwks_url_skips_discovery_but_not_the_issuer_check(
    secured_by_jwks_url: Gateway, issuer: OidcIssuer
) -> None:
    url = f"{secured_by_jwks_url.url}/api/aw/sales/kpis?echo=1"
    accepted = httpx.get(url, headers=_bearer(issuer.sign()))
    # The same signing keys, another issuer (a second realm of one provider, say).
    other = issuer.sign(issuer.claims(iss="http://127.0.0.1:1/other-realm"))
    refused = httpx.get(url, headers=_bearer(other))
    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 401
    assert refused.json()["detail"] == "token issuer is not accepted"
    assert issuer.requests["discovery"] == 0


def test_config_adds_the_tempo_link_only_when_set(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    template = "http://grafana.example/explore?trace={trace_id}"
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=upstreams.wwi_url,
        tempo_url=template,
    )
    with run_gateway(settings) as gateway:
        config = httpx.get(f"{gateway.url}/api/config").json()
    assert config["tempo_url"] == template
    assert set(config) == {
        "oidc_enabled",
        "oidc_authority",
        "frontend_oidc_client_id",
        "frontend_oidc_scope",
        "tempo_url",
    }
