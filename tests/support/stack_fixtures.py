"""Session fixtures: aw-service, wwi-service and api-gateway as real uvicorn processes.

`live_stack` starts the three services on free ports of 127.0.0.1 against the demo warehouses,
one session PostgreSQL database, the local OpenID provider (`local_idp`, auth on as `make up`
runs it) and an OTLP receiver that collects every process's spans. Jobs fire right after
start-up, so job history exists by the time a test asks for it. `open_gateway` is a second
gateway process with REQUIRE_FRONTEND_AUTH=false in front of the same services (schemathesis).
`spawn_gateway`/`spawn_analytics` start extra processes for outage tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from devtools.idp import API_AUDIENCE, API_SCOPE, FRONTEND_CLIENT_ID, RunningIdp
from tests.support.live_server import ServiceProcess, spawn_service
from tests.support.otlp_receiver import OtlpReceiver

MODULES = {
    "aw-service": "services.aw_service.main",
    "wwi-service": "services.wwi_service.main",
    "api-gateway": "services.api_gateway.main",
}
READY_TIMEOUT_SECONDS = 90.0


@dataclass
class Stack:
    """Where the running stack answers, and what it was started with."""

    gateway: str
    aw: str
    wwi: str
    env: dict[str, str]
    report_dir: Path
    postgres_url: str
    otlp: OtlpReceiver
    issuer: str | None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)


def _server_url(postgres_server: Any) -> str:
    return postgres_server if isinstance(postgres_server, str) else str(postgres_server.url)


async def _create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url.replace("+asyncpg", ""))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def base_env(
    *, postgres_url: str, demo_dir: Path, report_dir: Path, otlp_endpoint: str, secret: str
) -> dict[str, str]:
    """Settings every process of a test stack shares (auth settings are added per gateway)."""
    return {
        "POSTGRES_URL": postgres_url,
        "DEMO_WAREHOUSE_DIR": str(demo_dir),
        "INTERNAL_SERVICE_SHARED_SECRET": secret,
        "REPORT_OUTPUT_DIR": str(report_dir),
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export spans every 200 ms, not every 5 s
        "JOBS_ENABLED": "true",
        "JOBS_STARTUP_DELAY_SECONDS": "3",  # after the schema exists (see report)
        "LOG_LEVEL": "WARNING",
        "UPSTREAM_CONNECT_TIMEOUT_SECONDS": "2",
        "UPSTREAM_READ_TIMEOUT_SECONDS": "30",
        # Keep a developer's backend/.env and ambient OIDC settings out of the test stack.
        "REQUIRE_FRONTEND_AUTH": "false",
        "OIDC_ENABLED": "false",
        "AW_MSSQL_SERVER": "",
        "WWI_MSSQL_SERVER": "",
    }


def auth_env(issuer: str) -> dict[str, str]:
    """The gateway's settings for the local provider, as `make up` sets them."""
    return {
        "REQUIRE_FRONTEND_AUTH": "true",
        "FRONTEND_JWT_ISSUER_URL": issuer,
        "FRONTEND_JWT_JWKS_URL": "",  # discovery from the issuer, whatever backend/.env says
        "FRONTEND_JWT_AUDIENCE": API_AUDIENCE,
        "FRONTEND_REQUIRED_SCOPES": API_SCOPE,
        "OIDC_ENABLED": "true",
        "OIDC_AUTHORITY": issuer,
        "FRONTEND_OIDC_CLIENT_ID": FRONTEND_CLIENT_ID,
        "FRONTEND_OIDC_SCOPE": f"openid profile email {API_SCOPE}",
    }


def start(name: str, env: Mapping[str, str], *, health: str = "/health") -> ServiceProcess:
    """Start one service process and wait until it answers (or fail with its exit code)."""
    process = spawn_service(MODULES[name], {**env, "OTEL_SERVICE_NAME": name})
    try:
        process.wait_ready(health, timeout=READY_TIMEOUT_SECONDS)
    except BaseException:
        process.stop()
        raise
    return process


def spawn_gateway(stack: Stack, **overrides: str) -> ServiceProcess:
    """An extra gateway process in front of the stack's services (auth off unless overridden)."""
    env = {**stack.env, "AW_SERVICE_URL": stack.aw, "WWI_SERVICE_URL": stack.wwi, **overrides}
    return start("api-gateway", env, health="/api/health")


def spawn_analytics(stack: Stack, name: str) -> ServiceProcess:
    """An extra aw-service or wwi-service process on the stack's database and warehouses."""
    return start(name, {**stack.env, "JOBS_ENABLED": "false"})


@pytest.fixture(scope="session")
def live_stack(
    postgres_server: Any,
    demo_warehouse_dir: Path,
    local_idp: RunningIdp,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """aw-service, wwi-service and the gateway (auth on, local provider) as real processes."""
    server = _server_url(postgres_server)
    name = f"stack_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_database(server, name))
    postgres_url = make_url(server).set(database=name).render_as_string(hide_password=False)
    report_dir = tmp_path_factory.mktemp("stack-reports")
    with OtlpReceiver() as otlp, contextlib.ExitStack() as running:
        env = base_env(
            postgres_url=postgres_url,
            demo_dir=demo_warehouse_dir,
            report_dir=report_dir,
            otlp_endpoint=otlp.endpoint,
            secret=secrets.token_urlsafe(48),
        )
        processes: dict[str, ServiceProcess] = {}
        for service in ("aw-service", "wwi-service"):
            processes[service] = start(service, env)
            running.callback(processes[service].stop)
        stack = Stack(
            gateway="",
            aw=processes["aw-service"].url,
            wwi=processes["wwi-service"].url,
            env=env,
            report_dir=report_dir,
            postgres_url=postgres_url,
            otlp=otlp,
            issuer=local_idp.issuer,
            processes=processes,
        )
        gateway = spawn_gateway(stack, **auth_env(local_idp.issuer))
        running.callback(gateway.stop)
        processes["api-gateway"] = gateway
        stack.gateway = gateway.url
        yield stack


@pytest.fixture(scope="session")
def open_gateway(live_stack: Stack) -> Iterator[str]:
    """A second gateway with REQUIRE_FRONTEND_AUTH=false in front of the same services."""
    process = spawn_gateway(live_stack)
    try:
        yield process.url
    finally:
        process.stop()
