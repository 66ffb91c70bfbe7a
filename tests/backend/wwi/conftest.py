"""Fixtures of the WWI service tests: the generated demo warehouse (from the shared demo
fixtures), a warehouse built from Microsoft's real files when they are present, and read access
to both through the same client the service uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from demo.build import build_warehouse
from shared.core.config import build_settings
from shared.core.warehouse import WarehouseClient
from shared.db.mssql import create_wwi_engine

REPO = Path(__file__).resolve().parents[3]
REAL_WWI_DIR = REPO.parent / "shared" / "data" / "wide-world-importers-dw"


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
