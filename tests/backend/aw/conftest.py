"""aw-service fixtures: the demo warehouse through the real guarded client, and the real data.

`aw_warehouse` is the `WarehouseClient` the service itself uses, on the read-only engine of
`shared.db.mssql` (guard installed). `aw_real_path` loads Microsoft's AdventureWorksDW files from
`../shared/data/adventureworks-dw` into a DuckDB file once per session, or skips with the reason.
`duck` runs independent SQL written in the tests (read-only DuckDB, not through our code).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from demo.build import build_warehouse
from shared.core.config import build_settings
from shared.core.warehouse import WarehouseClient
from shared.db.mssql import create_aw_engine

AW_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "adventureworks-dw"

Query = Callable[..., list[tuple[Any, ...]]]


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
