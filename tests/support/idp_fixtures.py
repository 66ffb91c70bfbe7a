"""Session fixture: the real local OpenID provider (idp/), started as `make up` starts it.

Import `local_idp` into a test module (or list this module in `pytest_plugins`). It listens on a
free port of 127.0.0.1 so it never collides with a running `make up` on 9000; its keys live in a
temporary data dir. `gateway_auth_settings(issuer)` gives the settings the gateway needs for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devtools.idp import API_AUDIENCE, API_SCOPE, FRONTEND_CLIENT_ID, RunningIdp, start_idp


def gateway_auth_settings(issuer: str) -> dict[str, Any]:
    """`build_settings` keyword arguments that point the gateway at this provider."""
    return {
        "require_frontend_auth": True,
        "frontend_jwt_issuer_url": issuer,
        "frontend_jwt_audience": API_AUDIENCE,
        "frontend_required_scopes": API_SCOPE,
        "oidc_enabled": True,
        "oidc_authority": issuer,
        "frontend_oidc_client_id": FRONTEND_CLIENT_ID,
        "frontend_oidc_scope": f"openid profile email {API_SCOPE}",
    }


@pytest.fixture(scope="session")
def local_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    with start_idp(data_dir=tmp_path_factory.mktemp("idp"), port=0) as running:
        yield running
