"""Session fixtures with the demo warehouses, built once per test run.

``demo_warehouse_dir`` builds ``aw.duckdb`` and ``wwi.duckdb`` with the generator (seed 42) into a
session temp folder. The scale comes from ``DEMO_SCALE`` (default 0.25: about 15,000 order lines
per AdventureWorks fact and 50,000 WWI sale lines, every planted case intact, built in about two
seconds). Open the files with ``duckdb.connect(path, read_only=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from demo.build import build_warehouses

DEFAULT_SCALE = 0.25
DEMO_SEED = 42


def demo_scale() -> float:
    """The scale the session warehouses are built at (``DEMO_SCALE``, default 0.25)."""
    raw = os.environ.get("DEMO_SCALE", "")
    try:
        scale = float(raw) if raw else DEFAULT_SCALE
    except ValueError:
        raise pytest.UsageError(f"DEMO_SCALE must be a number, got {raw!r}") from None
    if scale <= 0:
        raise pytest.UsageError(f"DEMO_SCALE must be greater than 0, got {raw!r}")
    return scale


@pytest.fixture(scope="session")
def demo_warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder holding ``aw.duckdb`` and ``wwi.duckdb`` (generated, seed 42, ``DEMO_SCALE``)."""
    out = tmp_path_factory.mktemp("demo-warehouses")
    build_warehouses(out, seed=DEMO_SEED, scale=demo_scale())
    return out


@pytest.fixture(scope="session")
def aw_demo_path(demo_warehouse_dir: Path) -> Path:
    """The generated AdventureWorksDW DuckDB file."""
    return demo_warehouse_dir / "aw.duckdb"


@pytest.fixture(scope="session")
def wwi_demo_path(demo_warehouse_dir: Path) -> Path:
    """The generated WideWorldImportersDW DuckDB file."""
    return demo_warehouse_dir / "wwi.duckdb"
