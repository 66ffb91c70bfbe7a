"""Request context of an analytics endpoint: who calls, where to read, and the audit trail.

Every analytics call, export and records read goes through `AnalyticsContext`, which times the
work, writes exactly one `audit_log` row for it (success or failure), and turns a write-store
outage or a warehouse without data into a 503 — an analytics answer is never served without its
audit row.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from sqlalchemy import Select
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from shared.core.audit import AuditEntry, Outcome, append_audit, record_audit, record_export
from shared.core.config import Settings
from shared.core.errors import DependencyUnavailable, ProblemError
from shared.core.export import (
    MEDIA_TYPES,
    ExportFormat,
    ExportTable,
    export_filename,
    json_safe,
    render,
)
from shared.core.internal_tokens import InternalCaller, require_internal_caller
from shared.core.warehouse import NoWarehouseData, WarehouseClient, records

logger = logging.getLogger(__name__)
T = TypeVar("T")

STORE_ERRORS = (OSError, OperationalError, DBAPIError, asyncio.TimeoutError, ConnectionError)
CHECKOUT_ERRORS = (*STORE_ERRORS, SQLAlchemyError)
"""A checkout can also fail as the pool's own error (reconnection attempts exhausted)."""

Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]
RunId = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="Only this job run's rows"),
]
OptionalLimit = Annotated[
    int | None,
    Query(ge=1, le=1000, description="Page size (default STORAGE_DEFAULT_LIMIT)"),
]
Format = Annotated[ExportFormat, Query(description="File format: xlsx, pdf or csv")]
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The view as a file (Content-Disposition: attachment; filename=...)",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    }
}
"""OpenAPI `responses=` of an export route: the file, in each format's media type."""


async def answerable(work: Callable[[], Awaitable[T]]) -> T:
    """Run an analytic; a warehouse without the data it needs is a 503 naming what is missing
    (the caller may retry once the data is loaded), the same for every call and export."""
    try:
        return await work()
    except NoWarehouseData as missing:
        raise ProblemError(
            503, f"the warehouse cannot answer yet: {missing}", extra={"dependency": "warehouse"}
        ) from None


def store_unavailable(error: BaseException) -> DependencyUnavailable:
    logger.warning("write store unavailable: %s: %.300s", type(error).__name__, error)
    return DependencyUnavailable("postgres", "the PostgreSQL write store is unavailable")


@dataclass
class AnalyticsContext:
    request: Request
    settings: Settings
    warehouse: WarehouseClient
    sessions: async_sessionmaker[AsyncSession]
    caller: InternalCaller
    domain: str
    store: AsyncEngine
    """The write store in autocommit: an audit row or a page read is one statement, one round
    trip, committed by itself (the audit trigger's chain lock lasts exactly that statement)."""
    _checkout: asyncio.Task[AsyncConnection] | None = field(default=None, init=False)

    def _entry(
        self,
        action: str,
        parameters: Mapping[str, Any],
        outcome: Outcome,
        started: float,
        *,
        status_code: int,
        detail: str | None = None,
    ) -> AuditEntry:
        return AuditEntry(
            domain=self.domain,
            action=action,
            actor=self.caller.subject,
            outcome=outcome,
            parameters={key: json_safe(value) for key, value in parameters.items()},
            status_code=status_code,
            duration_ms=(time.perf_counter() - started) * 1000,
            detail=detail,
        )

    async def _connection(self) -> AsyncConnection:
        """The audited call's write-store connection, checked out while its work ran."""
        assert self._checkout is not None, "only inside audited()"
        try:
            return await self._checkout
        except CHECKOUT_ERRORS as error:
            raise store_unavailable(error) from error

    async def _audit_failure(
        self, action: str, parameters: Mapping[str, Any], started: float, failure: Exception
    ) -> None:
        """The audit row of a call that failed, on a connection of its own (the failure may have
        broken the call's one); a store outage on top is not reported (the original failure is
        the better answer)."""
        if isinstance(failure, ProblemError):
            outcome: Outcome = "rejected" if failure.status < 500 else "error"
            status, detail = failure.status, failure.detail
        else:
            outcome, status, detail = "error", 500, type(failure).__name__
        entry = self._entry(action, parameters, outcome, started, status_code=status,
                            detail=detail)  # fmt: skip
        try:
            async with self.store.connect() as connection:
                await append_audit(connection, entry)
        except CHECKOUT_ERRORS as error:
            logger.warning("audit row of a failed %s not written: write store unavailable: %s",
                           action, type(error).__name__)  # fmt: skip

    async def audited(
        self, action: str, parameters: Mapping[str, Any], work: Callable[[], Awaitable[T]]
    ) -> T:
        """Run `work` and record one audit row for it; re-raise its failure after recording.

        The write-store connection is checked out (and pinged) concurrently with `work`, so
        after it only the audit INSERT remains; a page read inside `work` uses the same
        connection (one statement at a time: one audited call per context, pages in sequence).
        """
        started = time.perf_counter()
        self._checkout = checkout = asyncio.create_task(self.store.connect().start())
        try:
            try:
                result = await answerable(work)
            except Exception as failure:
                await self._audit_failure(action, parameters, started, failure)
                raise
            entry = self._entry(action, parameters, "success", started, status_code=200)
            connection = await self._connection()
            try:
                await append_audit(connection, entry)
            except STORE_ERRORS as error:
                raise store_unavailable(error) from error
            return result
        finally:
            self._checkout = None
            with contextlib.suppress(*CHECKOUT_ERRORS):
                await (await checkout).close()

    async def export(
        self,
        *,
        view: str,
        fmt: ExportFormat,
        parameters: Mapping[str, Any],
        compute: Callable[[], Awaitable[T]],
        table: Callable[[T], ExportTable],
    ) -> Response:
        """Compute the view, render it as `fmt`, record `export_records` and one `audit_log` row
        (`export.<view>`) in one transaction, and return the download.

        The one path of every export of both services: a view that cannot be computed or
        rendered (warehouse or store down, no data) is audited as one failed `export.<view>`.
        """
        started = time.perf_counter()
        action = f"export.{view}"
        safe_parameters = {key: json_safe(value) for key, value in parameters.items()}
        audit_parameters = {**safe_parameters, "format": fmt}
        try:
            view_table = table(await answerable(compute))
            body = await asyncio.to_thread(render, view_table, fmt, safe_parameters)
        except Exception as failure:
            await self._audit_failure(action, audit_parameters, started, failure)
            raise
        filename = export_filename(self.domain, view, fmt, datetime.now(UTC))
        try:
            async with self.sessions.begin() as session:
                await record_export(
                    session,
                    domain=self.domain,
                    view=view,
                    format=fmt,
                    filename=filename,
                    row_count=len(view_table.rows),
                    size_bytes=len(body),
                    sha256=hashlib.sha256(body).hexdigest(),
                    actor=self.caller.subject,
                    parameters=safe_parameters,
                )
                entry = self._entry(action, audit_parameters, "success", started, status_code=200)
                await record_audit(session, entry)
        except STORE_ERRORS as error:
            raise store_unavailable(error) from error
        return Response(
            body,
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def limit(self, requested: int | None) -> int:
        return requested if requested is not None else self.settings.storage_default_limit

    async def audited_page(
        self,
        action: str,
        statement: Select[Any],
        *,
        limit: int | None,
        offset: int,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of a write-store query, audited; returns the page size used and the rows."""
        size = self.limit(limit)

        async def work() -> list[dict[str, Any]]:
            return await self.page(statement, limit=size, offset=offset)

        parameters = {"limit": size, "offset": offset, **(filters or {})}
        return size, await self.audited(action, parameters, work)

    async def records_page(
        self,
        action: str,
        query: Callable[[str | None], Select[Any]],
        run_id: str | None,
        limit: int | None,
        offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of a job's stored results (`query(run_id)`: one run's, or all), audited."""
        filters = {"run_id": run_id}
        return await self.audited_page(
            action, query(run_id), limit=limit, offset=offset, filters=filters
        )

    async def page(
        self, statement: Select[Any], *, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """Rows of a write-store query, paged; a store outage is a 503.

        Inside `audited` the query runs on the call's connection (the one its audit row will be
        written on), else on one of its own. Statements select table columns (Core), so rows
        map column names to values.
        """
        statement = statement.limit(limit).offset(offset)
        try:
            if self._checkout is not None:
                return records((await (await self._connection()).execute(statement)).all())
            async with self.store.connect() as connection:
                return records((await connection.execute(statement)).all())
        except STORE_ERRORS as error:
            raise store_unavailable(error) from error


async def analytics_context(request: Request) -> AnalyticsContext:
    state = request.app.state
    caller = getattr(request.state, "caller", None)
    if caller is None:
        caller = await require_internal_caller(state.spec.name)(request)
    return AnalyticsContext(
        request=request,
        settings=state.settings,
        warehouse=state.warehouse,
        sessions=state.sessions,
        caller=caller,
        domain=state.spec.domain,
        store=state.store,
    )


Ctx = Annotated[AnalyticsContext, Depends(analytics_context)]
