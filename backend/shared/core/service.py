"""The app factory both analytics services are built with: one place for the machinery.

`create_service_app(spec)` wires settings, tracing, error rendering, the read-only warehouse, the
PostgreSQL write store (schema created at start-up, retried in the background while the store is
down), the job scheduler, `/health`, `/ready` and the job history; the service brings only its
routers and jobs. Every router is mounted under `/api/<domain>` behind an internal token.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, select

from shared.core.config import ConfigError, Settings, load_settings_or_exit
from shared.core.deps import Ctx, Offset, OptionalLimit
from shared.core.engines import create_postgres_engine
from shared.core.errors import install_error_handlers
from shared.core.internal_tokens import require_internal_caller
from shared.core.jobs import JobRunner, JobSpec, build_scheduler
from shared.core.otel import (
    configure_otel,
    instrument_fastapi,
    instrument_httpx,
    instrument_sqlalchemy,
    shutdown_otel,
)
from shared.core.warehouse import WarehouseClient
from shared.db.mssql import WarehouseMissing
from shared.db.postgres import create_session_factory, ping, prepare_schema
from shared.db.tables import JobExecution

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class ServiceSpec:
    name: Literal["aw-service", "wwi-service"]
    domain: str
    create_warehouse: Callable[[Settings], Engine]
    routers: Sequence[APIRouter]
    jobs: Sequence[JobSpec]
    description: str = ""


class JobRun(BaseModel):
    """One execution of a scheduled job."""

    id: int
    job_id: str
    scheduled_for: str
    status: str
    started_at: str
    finished_at: str | None
    duration_ms: float | None
    error: str | None
    result: dict[str, Any] | None
    instance: str | None
    trace_id: str | None


class JobHistory(BaseModel):
    items: list[JobRun]
    limit: int
    offset: int
    jobs: list[str]


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    spec: ServiceSpec = app.state.spec
    app.state.pg_engine = create_postgres_engine(settings)
    instrument_sqlalchemy(app.state.pg_engine)
    app.state.sessions = create_session_factory(app.state.pg_engine)
    app.state.store = app.state.pg_engine.execution_options(isolation_level="AUTOCOMMIT")
    app.state.schema_ready = False
    app.state.job_runner = JobRunner(
        service=spec.name,
        domain=spec.domain,
        settings=settings,
        warehouse=app.state.warehouse,
        sessions=app.state.sessions,
        schema_ready=asyncio.Event(),
    )

    def mark_ready() -> None:
        app.state.schema_ready = True
        app.state.job_runner.schema_ready.set()

    schema_task = await prepare_schema(app.state.pg_engine, mark_ready)
    scheduler = None
    if settings.jobs_enabled and spec.jobs:
        scheduler = build_scheduler(
            app.state.job_runner, spec.jobs, startup_delay=settings.jobs_startup_delay_seconds
        )
        scheduler.start()
    app.state.scheduler = scheduler
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if schema_task is not None:
            schema_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schema_task
        await app.state.pg_engine.dispose()
        app.state.warehouse.dispose()
        shutdown_otel()


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe, timeout=READY_TIMEOUT_SECONDS)
    except Exception as error:
        return name, f"unavailable: {type(error).__name__}"
    return name, "ok"


def _probe_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/ready", responses={503: {"description": "A dependency is unavailable"}})
    async def ready(request: Request) -> JSONResponse:
        """Readiness: the warehouse and the PostgreSQL write store both answer."""
        state = request.app.state

        async def postgres() -> None:
            await ping(state.pg_engine)
            if not state.schema_ready:
                raise RuntimeError("schema not created yet")

        checks = dict(
            await asyncio.gather(
                _check("warehouse", state.warehouse.ping()), _check("postgres", postgres())
            )
        )
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    return router


def _jobs_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(tags=["jobs"])
    job_ids = [job.job_id for job in spec.jobs]

    @router.get("/jobs", response_model=JobHistory)
    async def job_history(
        ctx: Ctx,
        limit: OptionalLimit = None,
        offset: Offset = 0,
        job_id: Annotated[str | None, Query(description="Only this job's runs")] = None,
    ) -> JobHistory:
        """Scheduled job runs of this service, newest first, with status, duration and result."""
        runs = JobExecution.__table__.c
        statement = select(JobExecution.__table__).where(runs.service == spec.name)
        if job_id is not None:
            statement = statement.where(runs.job_id == job_id)
        statement = statement.order_by(runs.started_at.desc(), runs.id.desc())
        page_size, rows = await ctx.audited_page(
            "jobs.history", statement, limit=limit, offset=offset, filters={"job_id": job_id}
        )
        items = [JobRun(**_jobrun_fields(row)) for row in rows]
        return JobHistory(items=items, limit=page_size, offset=offset, jobs=job_ids)

    return router


def _jobrun_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A `job_executions` row as `JobRun` fields (times in ISO 8601)."""
    fields = {name: row[name] for name in JobRun.model_fields}
    for name in ("scheduled_for", "started_at", "finished_at"):
        if fields[name] is not None:
            fields[name] = fields[name].isoformat()
    return fields


def create_service_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    """A complete analytics service; with no settings given, read and check them or exit 2."""
    from_environment = settings is None
    if settings is None:
        settings = load_settings_or_exit(spec.name)
    else:
        problems = settings.problems_for(spec.name)
        if problems:
            raise ConfigError(problems)
    try:
        warehouse_engine = spec.create_warehouse(settings)  # lazy: nothing connects yet
    except WarehouseMissing as missing:
        if not from_environment:
            raise
        print(f"otel-bi: {missing}", file=sys.stderr)
        raise SystemExit(2) from None
    instrument_sqlalchemy(warehouse_engine)
    configure_otel(
        settings.otel_service_name or spec.name,
        endpoint=settings.otel_exporter_otlp_endpoint,
        log_level=settings.log_level,
    )
    instrument_httpx()
    app = FastAPI(title=spec.name, description=spec.description, version="1.0.0",
                  lifespan=_lifespan)  # fmt: skip
    app.state.settings = settings
    app.state.spec = spec
    app.state.warehouse = WarehouseClient(warehouse_engine, name=spec.domain)
    install_error_handlers(app)
    instrument_fastapi(app)
    app.include_router(_probe_router())
    protected = APIRouter(
        prefix=f"/api/{spec.domain}",
        dependencies=[Depends(require_internal_caller(spec.name))],
        responses={
            401: {"description": "Missing or invalid internal token"},
            503: {"description": "Warehouse or write store unavailable"},
        },
    )
    for router in spec.routers:
        protected.include_router(router)
    protected.include_router(_jobs_router(spec))
    app.include_router(protected)
    return app


def lazy_app(factory: Callable[[], FastAPI]) -> Callable[[str], FastAPI]:
    """A module `__getattr__` (PEP 562) that builds `app` from the environment on first use.

    `uvicorn services.<name>.main:app` reads the module attribute; importing the module for its
    `create_app` (tests, tools) then reads no configuration at all.
    """
    build = functools.cache(factory)

    def module_getattr(name: str) -> FastAPI:
        if name == "app":
            return build()
        raise AttributeError(name)

    return module_getattr
