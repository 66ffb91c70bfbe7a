"""The engines of a process, built from its settings: the two warehouses and the write store.

`shared.db` takes plain values and knows nothing of `Settings`; this is where one meets the other.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.core.config import Settings
from shared.db.mssql import create_warehouse_engine
from shared.db.postgres import create_store_engine


def create_aw_engine(settings: Settings) -> Engine:
    """The AdventureWorksDW warehouse: AW_MSSQL_* when AW_MSSQL_SERVER is set, else aw.duckdb."""
    password = settings.aw_mssql_password
    return create_warehouse_engine(
        server=settings.aw_mssql_server,
        database=settings.aw_mssql_database,
        username=settings.aw_mssql_username,
        password=password.get_secret_value() if password else None,
        trust_cert=settings.mssql_trust_server_certificate,
        demo_path=settings.demo_warehouse_dir / "aw.duckdb",
    )


def create_wwi_engine(settings: Settings) -> Engine:
    """The WideWorldImportersDW warehouse: WWI_MSSQL_* when set, else wwi.duckdb."""
    password = settings.wwi_mssql_password
    return create_warehouse_engine(
        server=settings.wwi_mssql_server,
        database=settings.wwi_mssql_database,
        username=settings.wwi_mssql_username,
        password=password.get_secret_value() if password else None,
        trust_cert=settings.mssql_trust_server_certificate,
        demo_path=settings.demo_warehouse_dir / "wwi.duckdb",
    )


def create_postgres_engine(settings: Settings, *, pool_size: int = 10) -> AsyncEngine:
    """The write store: POSTGRES_URL with `?sslmode=` from the URL, else POSTGRES_SSLMODE."""
    url = settings.postgres_async_url()
    if url is None:
        raise ValueError("POSTGRES_URL is not set")
    return create_store_engine(
        url, sslmode=settings.effective_postgres_sslmode, pool_size=pool_size
    )
