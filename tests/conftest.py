"""Shared fixtures: a real PostgreSQL for the run, and a clean database for each test.

PostgreSQL comes from `TEST_POSTGRES_URL` when set (a server you run), otherwise from a throwaway
cluster the suite starts itself with the system's binaries (as the `postgres` user when the
suite runs as root) and removes at the end.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import uuid
from collections.abc import Iterator, Sequence

import asyncpg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from sqlalchemy.engine import make_url

from devtools.postgres import ThrowawayPostgres
from shared.core.otel import configure_otel

_PLUGINS = (
    "tests.support.demo_fixtures",
    "tests.support.idp_fixtures",
    "tests.support.stack_fixtures",
)
pytest_plugins = [name for name in _PLUGINS if importlib.util.find_spec(name) is not None]


class _DiscardSpans(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


@pytest.fixture(scope="session", autouse=True)
def in_process_tracing() -> None:
    """Apps served inside the test process record spans but export nowhere.

    The first `configure_otel` call of a process wins; without this, whichever app a run starts
    first would point every in-process app at its endpoint, and a closed endpoint makes each
    shutdown wait on the flush. Services started as processes export to their own endpoint.
    """
    configure_otel("otel-bi-tests", endpoint="http://127.0.0.1:9", exporter=_DiscardSpans())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres | str]:
    """The server every test database lives on: the throwaway cluster or the given URL."""
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


def server_url(server: ThrowawayPostgres | str) -> str:
    return server if isinstance(server, str) else server.url


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayPostgres | str) -> Iterator[str]:
    """A fresh, empty database for this test (dropped afterwards); a postgresql:// URL."""
    base = make_url(server_url(postgres_server))
    name = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(base.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        asyncio.run(
            _admin(
                base.render_as_string(hide_password=False),
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            )
        )
