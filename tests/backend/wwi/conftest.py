"""Fixtures of the WWI service tests: the generated demo warehouse (from the shared demo
fixtures), a warehouse built from Microsoft's real files when they are present, and read access
to both through the same client the service uses."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import duckdb
import httpx
import pytest
from sqlalchemy.engine import make_url

from demo.build import build_warehouse
from devtools.postgres import ThrowawayPostgres
from services.wwi_service.main import create_app
from shared.core.config import Settings, build_settings
from shared.core.engines import create_wwi_engine
from shared.core.internal_tokens import mint_internal_token
from shared.core.warehouse import WarehouseClient
from tests.support.live_server import live_server, poll_until

REPO = Path(__file__).resolve().parents[3]
REAL_WWI_DIR = REPO.parent / "shared" / "data" / "wide-world-importers-dw"
SECRET = "wwi-test-secret-" + "x" * 32


def real_items_below_reorder() -> set[int]:
    """Stock item keys whose real holding is below its reorder level, read from the file."""
    with (REAL_WWI_DIR / "fact_stock_holding.csv").open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="|")
        return {
            int(row["Stock Item Key"])
            for row in rows
            if int(row["Quantity On Hand"]) < int(row["Reorder Level"])
        }


def open_warehouse(folder: Path) -> WarehouseClient:
    settings = build_settings(_env_file=None, demo_warehouse_dir=folder)
    return WarehouseClient(create_wwi_engine(settings), name="wwi")


@pytest.fixture(scope="session")
def wwi_real_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with a wwi.duckdb loaded from ../shared/data/wide-world-importers-dw."""
    if not REAL_WWI_DIR.is_dir():
        pytest.skip(f"real WWI sample files not found at {REAL_WWI_DIR}")
    out = tmp_path_factory.mktemp("wwi-real")
    build_warehouse("wwi", out, seed=42, scale=0.25, data_dir=REAL_WWI_DIR)
    return out


@pytest.fixture
def demo_wh(wwi_demo_path: Path) -> Iterator[WarehouseClient]:
    client = open_warehouse(wwi_demo_path.parent)
    yield client
    client.dispose()


@pytest.fixture
def real_wh(wwi_real_dir: Path) -> Iterator[WarehouseClient]:
    client = open_warehouse(wwi_real_dir)
    yield client
    client.dispose()


@contextlib.contextmanager
def raw_duckdb(client: WarehouseClient) -> Iterator[duckdb.DuckDBPyConnection]:
    """The DuckDB connection under the service's engine, for the tests' own SQL.

    DuckDB refuses a second connection to one file with another configuration in the same
    process, so the independent SQL borrows a pooled connection of the same engine; it runs on
    the DBAPI connection directly (DuckDB syntax, not through SQLAlchemy or the guard).
    """
    pooled = client.engine.raw_connection()
    try:
        yield pooled.driver_connection  # type: ignore[misc]
    finally:
        pooled.close()


def scalar(con: duckdb.DuckDBPyConnection, statement: str) -> Any:
    """The single value of a one-row, one-column query of the tests' own SQL."""
    row = con.execute(statement).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture
def demo_duck(demo_wh: WarehouseClient) -> Iterator[duckdb.DuckDBPyConnection]:
    """Raw DuckDB access to the generated warehouse."""
    with raw_duckdb(demo_wh) as con:
        yield con


@pytest.fixture
def real_duck(real_wh: WarehouseClient) -> Iterator[duckdb.DuckDBPyConnection]:
    """Raw DuckDB access to the warehouse loaded from the real files."""
    with raw_duckdb(real_wh) as con:
        yield con


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def module_postgres_url(postgres_server: ThrowawayPostgres | str) -> Iterator[str]:
    """A fresh database shared by one module's tests (a service started once per module)."""
    base = make_url(postgres_server if isinstance(postgres_server, str) else postgres_server.url)
    admin = base.render_as_string(hide_password=False)
    name = f"wwi_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def service_settings(postgres_url: str, warehouse_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "postgres_url": postgres_url,
        "demo_warehouse_dir": warehouse_dir,
        "internal_service_shared_secret": SECRET,
        "jobs_enabled": False,
        **overrides,
    }
    return build_settings(_env_file=None, **values)


def auth(
    settings: Settings, *, audience: str = "wwi-service", subject: str = "alice"
) -> dict[str, str]:
    token = mint_internal_token(settings, audience=audience, subject=subject, scopes=["bi.read"])
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class LiveService:
    url: str
    settings: Settings
    postgres_url: str

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, headers=auth(self.settings), timeout=60, **kwargs)

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.url + path, headers=auth(self.settings), json=body, timeout=60)


@pytest.fixture(scope="module")
def wwi_service(module_postgres_url: str, wwi_demo_path: Path) -> Iterator[LiveService]:
    """wwi-service under real uvicorn on the generated warehouse and a real PostgreSQL."""
    settings = service_settings(module_postgres_url, wwi_demo_path.parent)
    with live_server(create_app(settings)) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="wwi ready")
        yield LiveService(url, settings, module_postgres_url)


async def fetch_sql(postgres_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(postgres_url)
    try:
        return list(await connection.fetch(statement, *args))
    finally:
        await connection.close()


def sql(postgres_url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one query on the write store (the tests' own view of what was stored)."""
    return asyncio.run(fetch_sql(postgres_url, statement, *args))
