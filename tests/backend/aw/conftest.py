"""aw-service fixtures: the demo warehouse through the real guarded client, and the real data.

`aw_warehouse` is the `WarehouseClient` the service itself uses, on the read-only engine of
`shared.db.mssql` (guard installed). `aw_real_path` loads Microsoft's AdventureWorksDW files from
`../shared/data/adventureworks-dw` into a DuckDB file once per session, or skips with the reason.
`duck` runs independent SQL written in the tests (read-only DuckDB, not through our code).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy.engine import make_url

from demo.build import build_warehouse
from shared.core.config import build_settings
from shared.core.engines import create_aw_engine
from shared.core.warehouse import WarehouseClient
from tests.backend.aw.support import LiveService, Query, admin_sql, make_settings, serve

AW_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "adventureworks-dw"

Headers = dict[str, str]


def client_for(folder: Path) -> WarehouseClient:
    settings = build_settings(_env_file=None, demo_warehouse_dir=folder)
    return WarehouseClient(create_aw_engine(settings), name="aw")


@pytest.fixture(scope="session")
def aw_warehouse(demo_warehouse_dir: Path) -> Iterator[WarehouseClient]:
    client = client_for(demo_warehouse_dir)
    yield client
    client.dispose()


@pytest.fixture(scope="session")
def aw_real_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not AW_DATA.is_dir():
        pytest.skip(f"Microsoft's AdventureWorksDW files are not at {AW_DATA}")
    out = tmp_path_factory.mktemp("aw-real")
    build_warehouse("aw", out, data_dir=AW_DATA)
    return out


@pytest.fixture(scope="session")
def aw_real_warehouse(aw_real_dir: Path) -> Iterator[WarehouseClient]:
    client = client_for(aw_real_dir)
    yield client
    client.dispose()


def duck_query(path: Path, scratch: Path) -> Iterator[Query]:
    """Read-only DuckDB on a copy of `path` (DuckDB refuses a second, differently configured
    connection to a file the service's engine has open in the same process)."""
    copy = scratch / path.name
    shutil.copyfile(path, copy)
    connection = duckdb.connect(str(copy), read_only=True)

    def run(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return connection.execute(sql, list(params)).fetchall()

    yield run
    connection.close()


@pytest.fixture(scope="session")
def duck(aw_demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Query]:
    """Independent SQL on (a copy of) the demo warehouse file."""
    yield from duck_query(aw_demo_path, tmp_path_factory.mktemp("aw-duck"))


@pytest.fixture(scope="module")
def module_postgres_url(postgres_server: Any) -> Iterator[str]:
    """One database for a module's live service (the suite's `postgres_url` is per test)."""
    base = make_url(postgres_server if isinstance(postgres_server, str) else postgres_server.url)
    admin = base.render_as_string(hide_password=False)
    name = f"aw_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_sql(admin, f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin_sql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def aw_service(module_postgres_url: str, demo_warehouse_dir: Path) -> Iterator[LiveService]:
    """aw-service under real uvicorn on the demo warehouse and a real PostgreSQL."""
    with serve(make_settings(module_postgres_url, demo_warehouse_dir), module_postgres_url) as s:
        yield s
