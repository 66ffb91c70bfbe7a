"""Async access to a read-only warehouse engine for request handlers and jobs.

The DuckDB and pyodbc drivers block, so queries run in worker threads. A warehouse that cannot
answer becomes `DependencyUnavailable("warehouse")` (503) instead of a 500; the guard's refusal
stays a programming error and propagates. A warehouse that answers but holds nothing to compute
from is `NoWarehouseData`, which every audited call of either service answers with the same 503.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.sql import Executable

from shared.core.errors import DependencyUnavailable

logger = logging.getLogger(__name__)


class NoWarehouseData(LookupError):
    """The warehouse answers but lacks the rows an analytic needs (an empty fact table, too
    little history). Raised by the analytics, not the HTTP layer: `AnalyticsContext` turns it
    into a 503 naming the warehouse and the missing data (it may be loaded later), and a job
    that meets it fails with the same message."""


class WarehouseClient:
    """One read-only engine, queried off the event loop."""

    def __init__(self, engine: Engine, *, name: str) -> None:
        self.engine = engine
        self.name = name

    def _fetch(self, statement: Executable) -> Sequence[Row[Any]]:
        with self.engine.connect() as connection:
            return connection.execute(statement).all()

    async def fetch(self, statement: Executable) -> Sequence[Row[Any]]:
        try:
            return await asyncio.to_thread(self._fetch, statement)
        except (OperationalError, DBAPIError) as error:
            logger.warning("%s warehouse query failed: %s", self.name, type(error).__name__)
            raise DependencyUnavailable(
                "warehouse", f"the {self.name} warehouse is unavailable"
            ) from error

    async def fetch_mappings(self, statement: Executable) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in await self.fetch(statement)]

    async def ping(self) -> None:
        await self.fetch(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
