"""aw-service jobs: one execution per tick across racing replicas, results stored and served.

Three `JobRunner`s (three replicas) race on the same tick of each job against one PostgreSQL;
exactly one execution row and one result set may appear. The stored rows must equal the live
analytic and come back through the records endpoints and the job history.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.aw_service import analytics
from services.aw_service.scheduler import JOBS
from shared.core.engines import create_postgres_engine
from shared.core.jobs import JobOutcome, JobRunner, JobSpec, startup_tick
from shared.core.warehouse import WarehouseClient
from shared.db.postgres import create_schema, create_session_factory
from tests.backend.aw.support import LiveService, make_settings, serve
from tests.support.live_server import poll_until

pytestmark = pytest.mark.timeout(180)

JOB_IDS = {job.job_id: job for job in JOBS}
TICK = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_the_three_spec_jobs_with_their_utc_schedules() -> None:
    assert {job_id: dict(job.cron) for job_id, job in JOB_IDS.items()} == {
        "aw.daily.forecast": {"hour": "2", "minute": "0"},
        "aw.daily.scores": {"hour": "2", "minute": "30"},
        "aw.daily.data_quality": {"hour": "3", "minute": "0"},
    }
    for job in JOBS:
        trigger = job.trigger()
        fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
        assert fire.tzinfo is not None and fire.utcoffset().total_seconds() == 0
        assert (fire.hour, fire.minute) == (int(job.cron["hour"]), int(job.cron["minute"]))


@pytest.fixture
async def runners(
    postgres_url: str, demo_warehouse_dir: Path, aw_warehouse: WarehouseClient
) -> AsyncIterator[tuple[list[JobRunner], AsyncEngine]]:
    settings = make_settings(postgres_url, demo_warehouse_dir)
    engine = create_postgres_engine(settings)
    await create_schema(engine)
    replicas = [
        JobRunner(
            service="aw-service",
            domain="aw",
            settings=settings,
            warehouse=aw_warehouse,
            sessions=create_session_factory(engine),
        )
        for _ in range(3)
    ]
    yield replicas, engine
    await engine.dispose()


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql))).mappings())


@pytest.mark.parametrize(
    ("job_id", "table"),
    [("aw.daily.forecast", "aw_forecasts"), ("aw.daily.scores", "aw_rep_scores"),
     ("aw.daily.scores", "aw_product_demand"), ("aw.daily.data_quality", None)],
)  # fmt: skip
async def test_racing_replicas_produce_one_execution_and_one_result_set(
    runners: tuple[list[JobRunner], AsyncEngine],
    aw_warehouse: WarehouseClient,
    job_id: str,
    table: str | None,
) -> None:
    replicas, engine = runners
    job = JOB_IDS[job_id]
    outcomes = await asyncio.gather(*(r.run_tick(job, TICK) for r in replicas))
    assert sorted(o.claimed for o in outcomes) == [False, False, True]
    winner = next(o for o in outcomes if o.claimed)
    assert winner.status == "succeeded", winner.error
    runs = await rows(engine, "SELECT id, job_id, status, result, duration_ms FROM job_executions")
    assert len(runs) == 1 and runs[0]["status"] == "succeeded" and runs[0]["duration_ms"] > 0
    audit = await rows(engine, "SELECT action, outcome FROM audit_log")
    assert [(a["action"], a["outcome"]) for a in audit] == [(f"job.{job_id}", "success")]
    if table is None:
        report = runs[0]["result"]
        direct = await analytics.run_checks(aw_warehouse, TICK.date())
        assert report == json.loads(direct.model_dump_json())
        assert report["failed"] == 0 and len(report["checks"]) == len(direct.checks)
        return
    stored = await rows(engine, f"SELECT * FROM {table}")
    assert stored and {r["run_id"] for r in stored} == {str(runs[0]["id"])}
    if table == "aw_forecasts":
        forecast = await analytics.sales_forecast(aw_warehouse, 30)
        assert [r["forecast_date"] for r in sorted(stored, key=lambda r: r["forecast_date"])] == [
            p.date for p in forecast.points
        ]
        assert {r["model"] for r in stored} == {forecast.model}
    elif table == "aw_rep_scores":
        scores = await analytics.rep_scores(aw_warehouse, 1000)
        assert len(stored) == scores.total_reps
        by_rank = {r["rank"]: r for r in stored}
        for rep in scores.reps:
            assert by_rank[rep.rank]["employee_key"] == rep.employee_key
            assert by_rank[rep.rank]["score"] == pytest.approx(rep.score)
    else:
        demand = await analytics.product_demand(aw_warehouse, 1000)
        assert len(stored) == demand.total_products
        top = min(stored, key=lambda r: r["rank"])
        assert top["product_key"] == demand.products[0].product_key
        assert top["units"] == demand.products[0].units


async def test_replicas_started_minutes_apart_share_one_start_up_run(
    runners: tuple[list[JobRunner], AsyncEngine],
) -> None:
    replicas, engine = runners
    job = JOB_IDS["aw.daily.data_quality"]
    # A rollout: three replicas come up over several minutes, each with its own start-up run.
    started = [datetime(2026, 11, 23, 9, 1, 7, tzinfo=UTC), datetime(2026, 11, 23, 9, 4, 30,
               tzinfo=UTC), datetime(2026, 11, 23, 9, 9, 59, tzinfo=UTC)]  # fmt: skip
    outcomes = await asyncio.gather(
        *(r.run_tick(job, startup_tick(at)) for r, at in zip(replicas, started, strict=True))
    )
    assert sorted(o.claimed for o in outcomes) == [False, False, True]
    runs = await rows(engine, "SELECT scheduled_for FROM job_executions")
    assert [r["scheduled_for"] for r in runs] == [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    # A restart in a later window runs the job again.
    later = await replicas[0].run_tick(job, startup_tick(datetime(2026, 11, 23, 9, 10, tzinfo=UTC)))
    assert later.claimed and later.status == "succeeded"


async def test_a_later_tick_runs_again_and_appends_a_second_snapshot(
    runners: tuple[list[JobRunner], AsyncEngine],
) -> None:
    replicas, engine = runners
    job = JOB_IDS["aw.daily.forecast"]
    first = await replicas[0].run_tick(job, TICK)
    second = await replicas[1].run_tick(job, TICK.replace(day=24))
    assert first.claimed and second.claimed and first.execution_id != second.execution_id
    counts = await rows(engine, "SELECT run_id, count(*) AS n FROM aw_forecasts GROUP BY run_id")
    assert sorted(r["n"] for r in counts) == [30, 30]


def test_records_and_job_history_serve_the_stored_results(
    aw_service: LiveService, aw_warehouse: WarehouseClient
) -> None:
    for job in JOBS:
        outcome = asyncio.run(_run_once(aw_service, aw_warehouse, job))
        assert outcome.status == "succeeded", outcome.error
    forecasts = aw_service.get("/api/aw/records/forecasts", limit=5).json()
    assert forecasts["limit"] == 5 and len(forecasts["items"]) == 5
    dates = [item["forecast_date"] for item in forecasts["items"]]
    assert dates == sorted(dates)
    default_page = aw_service.get("/api/aw/records/rep-scores").json()
    assert default_page["limit"] == 100 and default_page["offset"] == 0
    ranks = [item["rank"] for item in default_page["items"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    run_id = default_page["items"][0]["run_id"]
    second = aw_service.get("/api/aw/records/product-demand", limit=3, offset=3, run_id=run_id)
    assert [i["rank"] for i in second.json()["items"]] == [4, 5, 6]
    assert {i["run_id"] for i in second.json()["items"]} == {run_id}
    history = aw_service.get("/api/aw/jobs", job_id="aw.daily.data_quality").json()
    run = history["items"][0]
    assert run["status"] == "succeeded"
    checks = {c["name"]: c for c in run["result"]["checks"]}
    assert checks["freshness.latest_order_date"]["status"] == "warn"
    assert checks["orphan_product.FactInternetSales"]["status"] == "pass"
    assert set(history["jobs"]) == set(JOB_IDS)


async def _run_once(service: LiveService, warehouse: WarehouseClient, job: JobSpec) -> JobOutcome:
    engine = create_postgres_engine(service.settings)
    runner = JobRunner(service="aw-service", domain="aw", settings=service.settings,
                       warehouse=warehouse, sessions=create_session_factory(engine))  # fmt: skip
    try:
        return await runner.run_tick(job, datetime.now(UTC))
    finally:
        await engine.dispose()


def test_jobs_run_once_shortly_after_start_up(postgres_url: str, demo_warehouse_dir: Path) -> None:
    # Delay 0: `JobRunner.run_tick` waits for the write store's schema, so a start-up run fired
    # before `create_all` has finished still claims its tick and is recorded.
    settings = make_settings(
        postgres_url, demo_warehouse_dir, jobs_enabled=True, jobs_startup_delay_seconds=0
    )
    with serve(settings, postgres_url) as service:

        def all_three_done() -> list[Any]:
            runs = service.sql("SELECT job_id, status FROM job_executions")
            finished = [r for r in runs if r["status"] != "running"]
            return finished if len(finished) == len(JOBS) else []

        runs = poll_until(all_three_done, timeout=90, interval=0.2, what="start-up job runs")
        errors = service.sql("SELECT job_id, error FROM job_executions")
        assert {(r["job_id"], r["status"]) for r in runs} == {
            (job_id, "succeeded") for job_id in JOB_IDS
        }, [(r["job_id"], r["error"]) for r in errors]
        history = service.get("/api/aw/jobs").json()["items"]
        assert {item["job_id"] for item in history} == set(JOB_IDS)
        assert service.sql("SELECT count(DISTINCT run_id) FROM aw_rep_scores")[0][0] == 1
