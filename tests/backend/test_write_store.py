"""PostgreSQL write store: idempotent schema, immutable rows, one claim per tick, audit chain."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.core.audit import (
    AuditEntry,
    record_export,
    verify_audit_chain,
    write_audit,
)
from shared.core.config import build_settings
from shared.core.engines import create_postgres_engine
from shared.db.postgres import create_schema, create_session_factory
from shared.db.tables import ExportRecord, JobExecution

TABLES = {
    "audit_log",
    "job_executions",
    "export_records",
    "aw_forecasts",
    "aw_rep_scores",
    "aw_product_demand",
    "wwi_reorder_recommendations",
    "wwi_supplier_scores",
    "wwi_whatif_scenarios",
    "wwi_business_events",
}


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_postgres_engine(build_settings(_env_file=None, postgres_url=postgres_url))
    await create_schema(engine)
    yield engine
    await engine.dispose()


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        domain="aw",
        action="sales.kpis",
        actor=f"user-{i}",
        outcome="success",
        parameters={"i": i},
        status_code=200,
        duration_ms=1.5,
    )


async def test_schema_has_all_ten_tables_and_creating_it_again_is_harmless(
    engine: AsyncEngine,
) -> None:
    await asyncio.gather(create_schema(engine), create_schema(engine), create_schema(engine))
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert names >= TABLES


@pytest.mark.parametrize("table", ["audit_log", "export_records"])
@pytest.mark.parametrize(
    "statement", ["UPDATE {t} SET actor = 'x'", "DELETE FROM {t}", "TRUNCATE {t}"]
)
async def test_immutable_tables_reject_changes_in_the_database(
    engine: AsyncEngine, table: str, statement: str
) -> None:
    sessions = create_session_factory(engine)
    assert await write_audit(sessions, _entry(1))
    async with sessions.begin() as session:
        await record_export(
            session,
            domain="aw",
            view="sales-history",
            format="xlsx",
            filename="a.xlsx",
            row_count=1,
            size_bytes=10,
            sha256="0" * 64,
            actor="u",
            parameters={},
        )
    with pytest.raises(DBAPIError, match="immutable"):
        async with engine.begin() as connection:
            await connection.execute(text(statement.format(t=table)))
    async with engine.connect() as connection:
        count = (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    assert count == 1


async def test_second_claim_of_the_same_tick_loses(engine: AsyncEngine) -> None:
    tick = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    values = {
        "job_id": "aw.daily.forecast",
        "service": "aw-service",
        "scheduled_for": tick,
        "status": "running",
    }
    async with engine.begin() as connection:
        await connection.execute(insert(JobExecution).values(**values))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(JobExecution).values(**values, instance="other"))
    async with engine.begin() as connection:  # another tick of the same job is a new claim
        later = {**values, "scheduled_for": tick.replace(hour=3)}
        await connection.execute(insert(JobExecution).values(**later))


async def test_audit_chain_holds_after_concurrent_writers(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    results = await asyncio.gather(*(write_audit(sessions, _entry(i)) for i in range(40)))
    assert all(results)
    async with sessions() as session:
        report = await verify_audit_chain(session)
    assert report.ok and report.rows_checked == 40


async def test_audit_chain_breaks_at_a_row_a_superuser_altered(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    for i in range(10):
        assert await write_audit(sessions, _entry(i))
    async with engine.begin() as connection:
        # A superuser can bypass triggers; the chain still exposes the edit.
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        altered = (
            await connection.execute(
                text(
                    "UPDATE audit_log SET actor = 'mallory' WHERE id = "
                    "(SELECT id FROM audit_log ORDER BY id OFFSET 6 LIMIT 1) RETURNING id"
                )
            )
        ).scalar_one()
    async with sessions() as session:
        report = await verify_audit_chain(session)
    assert not report.ok
    assert report.first_broken_id == altered
    assert report.rows_checked == 6


async def test_export_record_round_trip(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    async with sessions.begin() as session:
        record_id = await record_export(
            session,
            domain="wwi",
            view="supplier-scores",
            format="pdf",
            filename="s.pdf",
            row_count=3,
            size_bytes=1234,
            sha256="a" * 64,
            actor="alice",
            parameters={"top_n": 3},
        )
    async with sessions() as session:
        row = await session.get(ExportRecord, record_id)
    assert row is not None and row.parameters == {"top_n": 3} and row.actor == "alice"


async def _connect_params(settings_overrides: dict[str, object]) -> dict[str, object]:
    """Connect once with the engine the services build; return what asyncpg was handed."""
    engine = create_postgres_engine(build_settings(_env_file=None, **settings_overrides))
    seen: dict[str, object] = {}

    @event.listens_for(engine.sync_engine, "do_connect")
    def _record(dialect: object, record: object, cargs: object, cparams: dict[str, object]) -> None:
        seen.update(cparams)

    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    return seen


async def test_sslmode_disable_from_the_variable_connects(postgres_url: str) -> None:
    params = await _connect_params({"postgres_url": postgres_url, "postgres_sslmode": "disable"})
    assert params["ssl"] == "disable"


async def test_sslmode_in_the_url_becomes_the_ssl_argument(postgres_url: str) -> None:
    # libpq's ?sslmode= used to reach asyncpg.connect as a keyword and fail with a TypeError.
    params = await _connect_params({"postgres_url": f"{postgres_url}?sslmode=disable"})
    assert params["ssl"] == "disable"
    assert "sslmode" not in params


async def test_sslmode_require_is_applied(postgres_url: str) -> None:
    engine = create_postgres_engine(build_settings(_env_file=None, postgres_url=postgres_url))
    try:
        async with engine.connect() as connection:
            server_ssl = (await connection.execute(text("SHOW ssl"))).scalar_one()
    finally:
        await engine.dispose()
    if server_ssl == "on":
        pytest.skip("the test PostgreSQL serves SSL; `require` cannot be told from `disable`")
    engine = create_postgres_engine(
        build_settings(_env_file=None, postgres_url=f"{postgres_url}?sslmode=require")
    )
    try:
        with pytest.raises((ConnectionError, DBAPIError, OSError), match=r"(?i)ssl"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
