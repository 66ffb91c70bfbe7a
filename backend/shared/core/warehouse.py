"""Async access to a read-only warehouse engine for request handlers and jobs.

The DuckDB and pyodbc drivers block, so queries run in worker threads: an analytic's statements
as one read plan (`WarehouseClient.run`), one thread and one connection for all of them. A
warehouse that cannot answer becomes `DependencyUnavailable("warehouse")` (503) instead of a 500;
the guard's refusal stays a programming error and propagates. A warehouse that answers but holds
nothing to compute from is `NoWarehouseData`, which every audited call of either service answers
with the same 503.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, Row, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql import Executable

from shared.core.errors import DependencyUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")


class NoWarehouseData(LookupError):
    """The warehouse answers but lacks the rows an analytic needs (an empty fact table, too
    little history). Raised by the analytics, not the HTTP layer: `AnalyticsContext` turns it
    into a 503 naming the warehouse and the missing data (it may be loaded later), and a job
    that meets it fails with the same message."""


STATEMENT_CACHE = 32
"""Memo size of each analytics statement builder (`functools.lru_cache`; `functools.cache` for
those without parameters), in both services. A SQLAlchemy statement is immutable and keeps its
cache key once computed, so a repeated call skips both the build and the key walk (most for a
WITH statement of several CTEs); the query still runs each time. The
windows the builders take depend only on the anchor date, so a few entries cover every call."""

Fetch = Callable[[Executable], Sequence[Row[Any]]]
"""Runs one statement and returns its rows; what a read plan gets (see `WarehouseClient.run`)."""


def records(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows as dicts: zipping the column names once is far cheaper than `Row._mapping` per row.
    Mappings (rows built by hand, e.g. in tests) are copied as they are."""
    if not rows:
        return []
    if isinstance(rows[0], Mapping):
        return [dict(row) for row in rows]
    names = rows[0]._fields
    return [dict(zip(names, row, strict=True)) for row in rows]


def unpacked(rows: Sequence[Any], *names: str) -> Sequence[tuple[Any, ...]]:
    """`rows` as tuples of the columns `names`, in that order, for unpacking in a loop.

    SQLAlchemy rows are returned as they are once the result's columns are checked to be
    `names`: unpacking a row costs a tenth of reading its fields by name, which counts for
    results of thousands of rows. Mappings (rows
    built by hand, e.g. in tests) are read by name.
    """
    if not rows:
        return []
    first = rows[0]
    if isinstance(first, Mapping):
        return [tuple(row[name] for name in names) for row in rows]
    if tuple(first._fields) != names:
        raise ValueError(f"expected columns {names}, got {tuple(first._fields)}")
    return cast(Sequence[tuple[Any, ...]], rows)


class WarehouseClient:
    """One read-only engine, queried off the event loop."""

    def __init__(self, engine: Engine, *, name: str) -> None:
        self.engine = engine
        self.name = name

    def _run(self, plan: Callable[[Fetch], T]) -> T:
        with self.engine.connect() as connection:
            return plan(lambda statement: connection.execute(statement).all())

    async def run(self, plan: Callable[[Fetch], T]) -> T:
        """`plan(fetch)` in one worker thread on one connection, for an analytic's statements.

        A plan may build its next statement from the rows of the one before (most windows are
        anchored at the latest order date). One thread and one connection for all of them is
        cheaper than one each: every hand-over between a worker and the event loop costs
        latency on a busy machine, and the warehouse engine parallelises each query itself.
        """
        try:
            return await asyncio.to_thread(self._run, plan)
        except (OperationalError, DBAPIError) as error:
            logger.warning("%s warehouse query failed: %s", self.name, type(error).__name__)
            raise DependencyUnavailable(
                "warehouse", f"the {self.name} warehouse is unavailable"
            ) from error

    async def fetch(self, statement: Executable) -> Sequence[Row[Any]]:
        return await self.run(lambda fetch: fetch(statement))

    async def ping(self) -> None:
        await self.fetch(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
