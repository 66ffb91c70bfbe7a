"""The local OpenID provider (idp/) as `make up` runs it, checked with the gateway's verifier."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devtools.idp import (
    API_SCOPE,
    CLI_CLIENT_ID,
    CLI_REDIRECT_URI,
    FRONTEND_CLIENT_ID,
    IDP_DIR,
    REPO_DIR,
    IdpError,
    RunningIdp,
    get_client_credentials_token,
    get_user_token,
    start_idp,
)
from shared.core.config import build_settings
from shared.core.errors import Unauthorized
from shared.core.frontend_auth import FrontendTokenVerifier
from tests.support.idp_fixtures import gateway_auth_settings

# `local_idp`: session fixture of tests/support/idp_fixtures.py, a plugin of tests/conftest.py.

SPA_REDIRECT = "http://localhost:5173/callback"


def verifier_for(issuer: str) -> FrontendTokenVerifier:
    """A verifier configured exactly as the gateway is for this provider."""
    return FrontendTokenVerifier(build_settings(_env_file=None, **gateway_auth_settings(issuer)))


@pytest.fixture
async def verifier(local_idp: RunningIdp) -> AsyncIterator[FrontendTokenVerifier]:
    instance = verifier_for(local_idp.issuer)
    yield instance
    await instance.aclose()


def test_discovery_answers(local_idp: RunningIdp) -> None:
    response = httpx.get(f"{local_idp.issuer}/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == local_idp.issuer
    assert document["jwks_uri"] == f"{local_idp.issuer}/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "client_credentials"} <= set(document["grant_types_supported"])


async def test_make_token_script_gives_a_token_the_gateway_accepts(
    local_idp: RunningIdp, verifier: FrontendTokenVerifier
) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_DIR / "scripts" / "token.py")],
        env={**os.environ, "IDP_URL": local_idp.issuer},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    principal = await verifier.verify(token)
    assert principal.subject == "demo"
    assert API_SCOPE in principal.scopes


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
async def test_make_s_token_prints_only_a_token(
    local_idp: RunningIdp, verifier: FrontendTokenVerifier
) -> None:
    # As a user's shell runs `$(make -s token)`: from the repository root, not inside another make.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "-s", "token"],
        cwd=REPO_DIR,
        env={**env, "IDP_URL": local_idp.issuer},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+\n", result.stdout), result.stdout[:500]
    principal = await verifier.verify(result.stdout.strip())
    assert principal.subject == "demo"


async def test_spa_pkce_flow_through_login_page_gives_accepted_token(
    local_idp: RunningIdp, verifier: FrontendTokenVerifier
) -> None:
    token = get_user_token(
        local_idp.issuer,
        client_id=FRONTEND_CLIENT_ID,
        client_secret=None,
        redirect_uri=SPA_REDIRECT,
        scope=f"openid profile email {API_SCOPE}",
    )
    principal = await verifier.verify(token)
    assert principal.subject == "demo"
    assert principal.claims["client_id"] == FRONTEND_CLIENT_ID


def test_wrong_password_is_refused_at_the_login_page(local_idp: RunningIdp) -> None:
    with pytest.raises(IdpError, match="username or password"):
        get_user_token(local_idp.issuer, password="not-the-password")


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [(FRONTEND_CLIENT_ID, SPA_REDIRECT), (CLI_CLIENT_ID, CLI_REDIRECT_URI)],
)
def test_authorization_without_pkce_is_refused(
    local_idp: RunningIdp, client_id: str, redirect_uri: str
) -> None:
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": "s1",
    }
    response = httpx.get(f"{local_idp.issuer}/auth", params=params)
    assert response.is_redirect
    back = parse_qs(urlsplit(response.headers["location"]).query)
    assert back["error"] == ["invalid_request"]
    assert "PKCE" in back["error_description"][0]


def test_unregistered_redirect_uri_is_refused(local_idp: RunningIdp) -> None:
    params = {
        "client_id": FRONTEND_CLIENT_ID,
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:5174/callback",
        "scope": "openid",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
    response = httpx.get(f"{local_idp.issuer}/auth", params=params)
    assert response.status_code == 400
    assert "redirect_uri" in response.text


async def test_token_for_another_resource_is_refused(
    local_idp: RunningIdp, verifier: FrontendTokenVerifier
) -> None:
    other = get_client_credentials_token(
        local_idp.issuer, scope="telemetry.write", resource="urn:otel-bi:telemetry"
    )
    with pytest.raises(Unauthorized, match="audience"):
        await verifier.verify(other)
    api = get_client_credentials_token(local_idp.issuer)
    assert (await verifier.verify(api)).subject == "otel-bi-cli"


def _dev_key_moduli() -> set[str]:
    source = (IDP_DIR / "node_modules/oidc-provider/lib/consts/dev_keystore.js").read_text()
    moduli = set(re.findall(r"\bn: '([A-Za-z0-9_-]+)'", source))
    assert moduli, "could not read the library's development keys"
    return moduli


async def test_signing_key_is_generated_and_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "idp"
    with start_idp(data_dir=data_dir, port=0) as first:
        port, issuer = first.port, first.issuer
        keys = httpx.get(f"{issuer}/jwks").json()["keys"]
        token = get_user_token(issuer)
    assert not {key["n"] for key in keys} & _dev_key_moduli()
    assert stat.S_IMODE((data_dir / "jwks.json").stat().st_mode) == 0o600
    with start_idp(data_dir=data_dir, port=port) as second:
        assert httpx.get(f"{second.issuer}/jwks").json()["keys"] == keys
        verifier = verifier_for(second.issuer)
        try:
            assert (await verifier.verify(token)).subject == "demo"
        finally:
            await verifier.aclose()
