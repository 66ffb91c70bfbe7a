"""The PostgreSQL write store: async engine, sessions, and idempotent schema creation.

Schema creation runs under a transaction-scoped advisory lock so replicas starting together do not
race, creates the ten tables with `create_all`, then (re)installs the database-side rules:
`audit_log` and `export_records` reject UPDATE, DELETE and TRUNCATE, and `audit_log` rows get
`prev_hash`/`row_hash` from a trigger that serialises writers on a lock, so the chain cannot fork.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import URL, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_

import shared.db.results  # noqa: F401 - registers the aw_*/wwi_* tables on SharedBase
from shared.db.tables import SharedBase

logger = logging.getLogger(__name__)

SCHEMA_LOCK_KEY = 0x07E1B1  # any constant; shared by every replica of every service
AUDIT_CHAIN_LOCK_KEY = 0x07E1B2

IMMUTABLE_TABLES = ("audit_log", "export_records")

_RULES_DDL = [
    """
    CREATE OR REPLACE FUNCTION otel_bi_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% on % is not allowed: rows are immutable', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION audit_log_hash(r audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT encode(sha256(convert_to(concat_ws(chr(31),
            r.id::text,
            to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            r.domain, r.action, r.actor, r.parameters::text, r.outcome,
            coalesce(r.status_code::text, ''), coalesce(r.duration_ms::text, ''),
            coalesce(r.trace_id, ''), coalesce(r.detail, ''), coalesce(r.prev_hash, '')
        ), 'UTF8')), 'hex')
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- One writer at a time from here to commit: the row before is committed and visible.
        PERFORM pg_advisory_xact_lock({AUDIT_CHAIN_LOCK_KEY});
        NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
        NEW.occurred_at := clock_timestamp();
        SELECT row_hash INTO NEW.prev_hash FROM audit_log ORDER BY id DESC LIMIT 1;
        NEW.prev_hash := coalesce(NEW.prev_hash, '');
        NEW.row_hash := audit_log_hash(NEW);
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_chain()
    """,
]
for _table in IMMUTABLE_TABLES:
    _RULES_DDL += [
        f"""
        CREATE OR REPLACE TRIGGER {_table}_immutable BEFORE UPDATE OR DELETE ON {_table}
            FOR EACH ROW EXECUTE FUNCTION otel_bi_reject_change()
        """,
        f"""
        CREATE OR REPLACE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table}
            FOR EACH STATEMENT EXECUTE FUNCTION otel_bi_reject_change()
        """,
    ]


def create_store_engine(url: URL, *, sslmode: str, pool_size: int = 10) -> AsyncEngine:
    """Async engine on asyncpg (`url` with the asyncpg driver) with the given libpq SSL mode.

    asyncpg's `ssl` argument takes the libpq mode names as they are, so no SSL context is built
    here. Connections are pinged on checkout (`ping_on_checkout`), so a pooled connection the
    server dropped is replaced instead of failing a request.
    """
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=5,
        connect_args={
            "ssl": sslmode,
            "timeout": 5,
            "command_timeout": 30,
        },
    )
    ping_on_checkout(engine)
    return engine


def ping_on_checkout(engine: AsyncEngine) -> None:
    """Ping every connection as it leaves the pool; one that fails is replaced by a new one.

    This is SQLAlchemy's `pool_pre_ping` in one round trip: its asyncpg ping wraps the `;` in
    BEGIN and ROLLBACK (for PgBouncer's transaction mode, which the write store does not use),
    three round trips per checkout. Raising `DisconnectionError` from the checkout event makes
    the pool discard the connection and connect anew (SQLAlchemy's documented custom pre-ping);
    unlike `pool_pre_ping`, any failure of the ping counts, not only a closed socket.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        try:
            await_(dbapi_connection.driver_connection.fetchrow(";"))
        except Exception as error:
            raise DisconnectionError(f"ping failed: {type(error).__name__}") from error


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create every write-store table and rule; safe to run any number of times, concurrently."""
    async with engine.begin() as connection:
        await connection.execute(text(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})"))
        await connection.run_sync(SharedBase.metadata.create_all)
        for statement in _RULES_DDL:
            await connection.execute(text(statement))


async def ping(engine: AsyncEngine) -> None:
    """Raise when the write store cannot answer a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def prepare_schema(
    engine: AsyncEngine,
    mark_ready: Callable[[], None],
    *,
    first_try_seconds: float = 15.0,
    retry_seconds: float = 5.0,
) -> asyncio.Task[None] | None:
    """Create the schema before serving when PostgreSQL answers in time, else keep trying.

    Returns the background task (to cancel at shutdown) when the store was not reachable at
    start-up; the process serves meanwhile and reports not-ready until `mark_ready` is called.
    """
    try:
        await asyncio.wait_for(create_schema(engine), timeout=first_try_seconds)
    except Exception as error:
        logger.warning("write store not ready (%s); retrying in background", type(error).__name__)
    else:
        mark_ready()
        return None

    async def keep_trying() -> None:
        while True:
            await asyncio.sleep(retry_seconds)
            try:
                await create_schema(engine)
            except Exception as error:
                logger.warning("write store not ready (%s); retrying", type(error).__name__)
                continue
            logger.info("write store schema ready")
            mark_ready()
            return

    return asyncio.create_task(keep_trying())
