"""The shared analytics-service machinery, exercised through a tiny service under real uvicorn,
and, where the contract is the same for both analytics services, through their real jobs."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
import httpx
import openpyxl
import pytest
from fastapi import APIRouter, Query
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Column, Integer, MetaData, Table, Unicode, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.postgres import ThrowawayPostgres
from services.aw_service.scheduler import JOBS as AW_JOB_LIST
from services.wwi_service.scheduler import JOBS as WWI_JOB_LIST
from shared.core.config import Settings, build_settings
from shared.core.deps import Ctx
from shared.core.engines import create_aw_engine, create_postgres_engine, create_wwi_engine
from shared.core.export import ExportFormat, ExportTable
from shared.core.internal_tokens import mint_internal_token
from shared.core.jobs import JobContext, JobRunner, JobSpec
from shared.core.otel import instrument_sqlalchemy
from shared.core.service import ServiceSpec, create_service_app
from shared.core.warehouse import WarehouseClient
from shared.db.postgres import create_schema, create_session_factory
from tests.support.live_server import live_server, poll_until

SECRET = "s" * 48
AW_JOBS = {job.job_id: job for job in AW_JOB_LIST}
WWI_JOBS = {job.job_id: job for job in WWI_JOB_LIST}
items = Table(
    "items", MetaData(), Column("Item Key", Integer), Column("Name", Unicode(20)), schema="dbo"
)
router = APIRouter()


@router.get("/items/count")
async def count_items(ctx: Ctx, minimum: int = Query(0, ge=0, le=100)) -> dict[str, Any]:
    async def work() -> dict[str, Any]:
        rows = await ctx.warehouse.fetch(
            select(func.count()).select_from(items).where(items.c["Item Key"] >= minimum)
        )
        return {"count": rows[0][0]}

    return await ctx.audited("items.count", {"minimum": minimum}, work)


@router.get("/export/items")
async def export_items(ctx: Ctx, format: ExportFormat) -> Any:
    async def compute() -> list[Any]:
        return list(await ctx.warehouse.fetch(select(items.c["Item Key"], items.c.Name)))

    def table(rows: list[Any]) -> ExportTable:
        return ExportTable("Items", ["Item Key", "Name"], [tuple(row) for row in rows])

    return await ctx.export(view="items", fmt=format, parameters={}, compute=compute, table=table)


async def count_job(ctx: JobContext) -> dict[str, Any]:
    rows = await ctx.warehouse.fetch(select(func.count()).select_from(items))
    await asyncio.sleep(0.2)  # long enough for racing replicas to overlap
    return {"items": rows[0][0], "run_id": ctx.run_id}


JOB = JobSpec("aw.test.count", {"hour": "2", "minute": "0"}, count_job)
SPEC = ServiceSpec(
    name="aw-service", domain="aw", create_warehouse=create_aw_engine, routers=[router], jobs=[JOB]
)


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wh")
    with duckdb.connect(str(folder / "aw.duckdb")) as connection:
        connection.execute("CREATE SCHEMA dbo")
        connection.execute('CREATE TABLE dbo.items ("Item Key" INTEGER, "Name" VARCHAR)')
        connection.execute(
            "INSERT INTO dbo.items VALUES (1, 'bolt'), (2, '=HYPERLINK(\"http://x\")'), (3, 'nut')"
        )
    return folder


def make_settings(postgres_url: str, warehouse_dir: Path) -> Settings:
    return build_settings(
        _env_file=None,
        postgres_url=postgres_url,
        demo_warehouse_dir=warehouse_dir,
        internal_service_shared_secret=SECRET,
        jobs_enabled=False,
    )


def token(settings: Settings, audience: str = "aw-service") -> dict[str, str]:
    value = mint_internal_token(settings, audience=audience, subject="alice", scopes=["bi.read"])
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def service(postgres_url: str, warehouse_dir: Path) -> Iterator[tuple[str, Settings]]:
    settings = make_settings(postgres_url, warehouse_dir)
    with live_server(create_service_app(SPEC, settings)) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        yield url, settings


async def audit_rows(postgres_url: str) -> list[Any]:
    engine = create_async_engine(postgres_url.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM audit_log ORDER BY id"))).all()
    await engine.dispose()
    return list(rows)


def test_requests_without_a_valid_internal_token_are_401(service: tuple[str, Settings]) -> None:
    url, settings = service
    missing = httpx.get(f"{url}/api/aw/items/count")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"].startswith("application/problem+json")
    for_other_service = httpx.get(
        f"{url}/api/aw/items/count", headers=token(settings, "wwi-service")
    )
    assert for_other_service.status_code == 401
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}


def test_call_answers_and_writes_one_audit_row(
    service: tuple[str, Settings], postgres_url: str
) -> None:
    url, settings = service
    response = httpx.get(f"{url}/api/aw/items/count?minimum=2", headers=token(settings))
    assert response.status_code == 200 and response.json() == {"count": 2}
    assert len(response.headers["x-trace-id"]) == 32
    rows = asyncio.run(audit_rows(postgres_url))
    assert [(r.domain, r.action, r.actor, r.outcome, r.parameters) for r in rows] == [
        ("aw", "items.count", "alice", "success", {"minimum": 2})
    ]
    assert rows[0].trace_id == response.headers["x-trace-id"]


def test_bad_parameter_is_422_naming_the_field(service: tuple[str, Settings]) -> None:
    url, settings = service
    response = httpx.get(f"{url}/api/aw/items/count?minimum=500", headers=token(settings))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "minimum"
    bad_format = httpx.get(f"{url}/api/aw/export/items?format=docx", headers=token(settings))
    assert bad_format.status_code == 422
    assert "format" in bad_format.json()["detail"] and "xlsx" in bad_format.text


def test_export_is_recorded_and_neutralises_formulas(service: tuple[str, Settings]) -> None:
    url, settings = service
    response = httpx.get(f"{url}/api/aw/export/items?format=xlsx", headers=token(settings))
    assert response.status_code == 200
    assert 'filename="aw-items-' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(min_row=6, values_only=True))
    assert values == [(1, "bolt"), (2, '\'=HYPERLINK("http://x")'), (3, "nut")]


async def test_racing_replicas_run_a_tick_once(postgres_url: str, warehouse_dir: Path) -> None:
    settings = make_settings(postgres_url, warehouse_dir)
    engine = create_postgres_engine(settings)
    await create_schema(engine)
    warehouse = WarehouseClient(create_aw_engine(settings), name="aw")
    runners = [
        JobRunner(
            service="aw-service",
            domain="aw",
            settings=settings,
            warehouse=warehouse,
            sessions=create_session_factory(engine),
        )
        for _ in range(3)
    ]
    tick = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    outcomes = await asyncio.gather(*(runner.run_tick(JOB, tick) for runner in runners))
    assert sorted(outcome.claimed for outcome in outcomes) == [False, False, True]
    async with engine.connect() as connection:
        runs = (await connection.execute(text("SELECT status, result FROM job_executions"))).all()
    assert len(runs) == 1 and runs[0].status == "succeeded" and runs[0].result["items"] == 3
    await engine.dispose()
    warehouse.dispose()


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.destroy()


def test_store_outage_is_503_and_recovers(
    own_postgres: ThrowawayPostgres, warehouse_dir: Path
) -> None:
    settings = make_settings(own_postgres.url, warehouse_dir)
    app = create_service_app(SPEC, settings)
    with live_server(app) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="ready")
        own_postgres.stop("immediate")
        down = httpx.get(f"{url}/api/aw/items/count", headers=token(settings), timeout=30)
        assert down.status_code == 503 and down.json()["dependency"] == "postgres"
        ready = httpx.get(f"{url}/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["checks"]["postgres"].startswith("unavailable")
        assert ready.json()["checks"]["warehouse"] == "ok"
        own_postgres.start()

        def recovered() -> bool:
            answer = httpx.get(f"{url}/api/aw/items/count", headers=token(settings), timeout=30)
            return answer.status_code == 200

        poll_until(recovered, timeout=60, interval=0.5, what="recovery after PostgreSQL restart")


REAL_JOBS: dict[str, tuple[Literal["aw-service", "wwi-service"], Any, JobSpec, str]] = {
    "aw": ("aw-service", create_aw_engine, AW_JOBS["aw.daily.forecast"], "aw_forecasts"),
    "wwi": ("wwi-service", create_wwi_engine, WWI_JOBS["wwi.hourly.reorder"],
            "wwi_reorder_recommendations"),
}  # fmt: skip


@pytest.mark.parametrize("domain", sorted(REAL_JOBS))
async def test_tick_run_while_store_down_is_recorded_as_failed_once_back(
    own_postgres: ThrowawayPostgres, demo_warehouse_dir: Path, domain: str
) -> None:
    """Both services' jobs, on the demo warehouses: the run the outage broke is written as
    failed once PostgreSQL is back, stores no results, and the next tick runs normally."""
    service, create_engine, job, results = REAL_JOBS[domain]
    settings = make_settings(own_postgres.url, demo_warehouse_dir)
    engine = create_postgres_engine(settings)
    await create_schema(engine)
    warehouse = WarehouseClient(create_engine(settings), name=domain)
    runner = JobRunner(service=service, domain=domain, settings=settings, warehouse=warehouse,
                       sessions=create_session_factory(engine))  # fmt: skip
    own_postgres.stop("immediate")
    tick = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    outcome = await runner.run_tick(job, tick)
    assert outcome.status == "failed" and runner.pending == 1
    own_postgres.start()
    await runner.flush_unrecorded()
    assert runner.pending == 0

    async def table(sql: str) -> list[Any]:
        async with engine.connect() as connection:
            return list((await connection.execute(text(sql))).all())

    runs = await table("SELECT job_id, status, scheduled_for, error FROM job_executions")
    assert [(r.job_id, r.status, r.scheduled_for) for r in runs] == [(job.job_id, "failed", tick)]
    assert "unavailable" in runs[0].error
    assert await table(f"SELECT count(*) FROM {results}") == [(0,)]
    audit = await table("SELECT action, outcome FROM audit_log")
    assert [tuple(a) for a in audit] == [(f"job.{job.job_id}", "error")]
    later = await runner.run_tick(job, tick + timedelta(days=1))
    assert later.status == "succeeded", later.error
    assert (await table(f"SELECT count(*) FROM {results}"))[0][0] > 0
    await engine.dispose()
    warehouse.dispose()


@pytest.fixture
def finished_spans() -> Iterator[InMemorySpanExporter]:
    """Every span the process finishes during the test, read at the SDK's exporter boundary
    (the suite's provider is configured once; this adds a synchronous in-memory exporter)."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


async def test_a_job_run_is_one_root_span_whose_trace_id_is_recorded(
    postgres_url: str, warehouse_dir: Path, finished_spans: InMemorySpanExporter
) -> None:
    settings = make_settings(postgres_url, warehouse_dir)
    engine = create_postgres_engine(settings)
    await create_schema(engine)
    warehouse = WarehouseClient(create_aw_engine(settings), name="aw")
    instrument_sqlalchemy(warehouse.engine)
    runner = JobRunner(service="aw-service", domain="aw", settings=settings, warehouse=warehouse,
                       sessions=create_session_factory(engine))  # fmt: skip
    # Started from inside another span (as a request might): the run must not join its trace.
    with trace.get_tracer("tests").start_as_current_span("caller") as caller:
        outcome = await runner.run_tick(JOB, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert outcome.status == "succeeded"
    async with engine.connect() as connection:
        (recorded,) = (await connection.execute(text("SELECT trace_id FROM job_executions"))).all()
    await engine.dispose()
    warehouse.dispose()
    spans = finished_spans.get_finished_spans()
    (root,) = [span for span in spans if span.name == "job aw.test.count"]
    assert root.parent is None
    assert root.context is not None and caller.get_span_context().trace_id != root.context.trace_id
    assert format(root.context.trace_id, "032x") == recorded.trace_id
    assert (
        root.attributes is not None and root.attributes["job.execution_id"] == outcome.execution_id
    )
    inside = [s for s in spans if s.context is not None and s is not root
              and s.context.trace_id == root.context.trace_id]  # fmt: skip
    assert inside, "the job's warehouse query should be traced inside the run"
    assert all(s.parent is not None for s in inside)


def test_startup_run_waits_for_the_schema_and_shows_in_job_history(
    postgres_url: str, warehouse_dir: Path
) -> None:
    settings = make_settings(postgres_url, warehouse_dir).model_copy(
        update={"jobs_enabled": True, "jobs_startup_delay_seconds": 0.0}
    )
    with live_server(create_service_app(SPEC, settings)) as url:

        def finished_runs() -> list[dict[str, Any]]:
            history = httpx.get(f"{url}/api/aw/jobs", headers=token(settings), timeout=30)
            return [run for run in history.json()["items"] if run["status"] != "running"]

        runs = poll_until(finished_runs, timeout=60, interval=0.3, what="the start-up run")
    assert [(r["job_id"], r["status"], r["result"]["items"]) for r in runs] == [
        ("aw.test.count", "succeeded", 3)
    ]
