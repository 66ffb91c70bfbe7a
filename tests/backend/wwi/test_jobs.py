"""The WWI jobs through the shared claiming runner: results persisted and served by the records
endpoints, one execution per tick across racing replicas, events reported once per condition."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from demo import wwi_planted
from services.wwi_service.analytics import (
    detect_events,
    recommendations,
    run_checks,
    stock_snapshot,
)
from services.wwi_service.main import create_app
from services.wwi_service.persistence import EVENTS, record_events
from services.wwi_service.scheduler import JOBS
from shared.core.engines import create_postgres_engine
from shared.core.jobs import JobRunner
from shared.core.warehouse import WarehouseClient
from shared.db.postgres import create_schema, create_session_factory
from tests.backend.wwi.conftest import LiveService, fetch_sql, service_settings
from tests.support.live_server import live_server, poll_until

JOB = {job.job_id: job for job in JOBS}


def test_jobs_have_the_documented_ids_and_utc_schedules() -> None:
    assert {job_id: dict(job.cron) for job_id, job in JOB.items()} == {
        "wwi.hourly.reorder": {"minute": "0"},
        "wwi.hourly.events": {"minute": "30"},
        "wwi.daily.supplier_scores": {"hour": "3", "minute": "30"},
        "wwi.daily.data_quality": {"hour": "4", "minute": "0"},
    }
    fire = (
        JOB["wwi.daily.supplier_scores"]
        .trigger()
        .get_next_fire_time(None, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    )
    assert fire == datetime(2026, 1, 2, 3, 30, tzinfo=UTC)


@dataclass
class Store:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    def runner(self, service: LiveService, warehouse: WarehouseClient) -> JobRunner:
        return JobRunner(service="wwi-service", domain="wwi", settings=service.settings,
                         warehouse=warehouse, sessions=self.sessions)  # fmt: skip


@pytest.fixture
async def store(wwi_service: LiveService) -> AsyncIterator[Store]:
    engine = create_postgres_engine(wwi_service.settings, pool_size=4)
    await create_schema(engine)
    yield Store(engine, create_session_factory(engine))
    await engine.dispose()


RESULT_TABLES = {
    "wwi.hourly.reorder": "wwi_reorder_recommendations",
    "wwi.daily.supplier_scores": "wwi_supplier_scores",
    "wwi.daily.data_quality": None,
}


@pytest.mark.parametrize("job_id", sorted(RESULT_TABLES))
async def test_racing_replicas_run_a_tick_once_with_one_result_set(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient, job_id: str
) -> None:
    tick = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    job = JOB[job_id]
    runners = [store.runner(wwi_service, demo_wh) for _ in range(3)]
    outcomes = await asyncio.gather(*(r.run_tick(job, tick) for r in runners))
    assert sorted(o.claimed for o in outcomes) == [False, False, True]
    (winner,) = [o for o in outcomes if o.claimed]
    assert winner.status == "succeeded", winner.error
    runs = await fetch_sql(
        wwi_service.postgres_url,
        "SELECT id, status FROM job_executions WHERE job_id = $1 AND scheduled_for = $2",
        job.job_id,
        tick,
    )
    assert [tuple(r) for r in runs] == [(winner.execution_id, "succeeded")]
    audit = await fetch_sql(
        wwi_service.postgres_url,
        "SELECT count(*) AS n FROM audit_log "
        "WHERE action = $1 AND parameters->>'execution_id' = $2",
        f"job.{job_id}",
        str(winner.execution_id),
    )
    assert audit[0]["n"] == 1
    table = RESULT_TABLES[job_id]
    if table is not None:
        sets = await fetch_sql(
            wwi_service.postgres_url,
            f"SELECT run_id, count(*) AS n FROM {table} WHERE run_id IN "
            "(SELECT id::text FROM job_executions WHERE job_id = $1 AND scheduled_for = $2) "
            "GROUP BY run_id",
            job.job_id,
            tick,
        )
        assert [r["run_id"] for r in sets] == [str(winner.execution_id)]
    history = wwi_service.get("/api/wwi/jobs", params={"job_id": job.job_id}).json()
    assert winner.execution_id in [run["id"] for run in history["items"]]


async def test_reorder_run_stores_and_serves_the_live_recommendations(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    outcome = await store.runner(wwi_service, demo_wh).run_tick(
        JOB["wwi.hourly.reorder"], datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    )
    assert outcome.status == "succeeded" and outcome.result is not None
    want = recommendations((await stock_snapshot(demo_wh)).positions)
    stored = await fetch_sql(
        wwi_service.postgres_url,
        "SELECT stock_item_key, quantity_to_order FROM wwi_reorder_recommendations "
        "WHERE run_id = $1 ORDER BY id",
        str(outcome.execution_id),
    )
    assert [tuple(r) for r in stored] == [(r.stock_item_key, r.quantity_to_order) for r in want]
    assert outcome.result["recommendations"] == len(want)
    run = {"run_id": str(outcome.execution_id), "limit": 1000}
    served = wwi_service.get("/api/wwi/records/reorder-recommendations", params=run)
    assert served.status_code == 200
    assert [i["stock_item_key"] for i in served.json()["items"]] == [r.stock_item_key for r in want]
    history = wwi_service.get("/api/wwi/jobs", params={"job_id": "wwi.hourly.reorder"}).json()
    (mine,) = [r for r in history["items"] if r["id"] == outcome.execution_id]
    assert mine["result"]["recommendations"] == len(want)


async def test_supplier_scores_job_persists_ranked_snapshot(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    runner = store.runner(wwi_service, demo_wh)
    outcome = await runner.run_tick(
        JOB["wwi.daily.supplier_scores"], datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    )
    assert outcome.status == "succeeded" and outcome.result is not None
    assert outcome.result["worst"] == wwi_planted.UNRELIABLE_SUPPLIER
    body = wwi_service.get("/api/wwi/records/supplier-scores",
                           params={"run_id": str(outcome.execution_id)}).json()  # fmt: skip
    ranks = [(i["rank"], i["supplier"]) for i in body["items"]]
    assert [r for r, _ in ranks] == list(range(1, len(ranks) + 1))
    assert ranks[-1][1] == wwi_planted.UNRELIABLE_SUPPLIER
    audit = await fetch_sql(
        wwi_service.postgres_url,
        "SELECT actor, outcome FROM audit_log WHERE action = 'job.wwi.daily.supplier_scores' "
        "AND parameters->>'execution_id' = $1",
        str(outcome.execution_id),
    )
    assert [tuple(a) for a in audit] == [("scheduler", "success")]


async def test_data_quality_job_result_is_in_job_history(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    tick = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    outcome = await store.runner(wwi_service, demo_wh).run_tick(JOB["wwi.daily.data_quality"], tick)
    assert outcome.status == "succeeded"
    history = wwi_service.get("/api/wwi/jobs", params={"job_id": "wwi.daily.data_quality"})
    (run,) = [r for r in history.json()["items"] if r["id"] == outcome.execution_id]
    direct = await run_checks(demo_wh, tick.date())
    assert run["result"] == json.loads(direct.model_dump_json())
    checks = {c["name"]: c for c in run["result"]["checks"]}
    assert checks["orphan_stock_item.Sale"] == {
        "name": "orphan_stock_item.Sale",
        "description": "Fact.Sale lines whose Stock Item Key is unknown",
        "observed": 0.0, "threshold": 0.0, "comparison": "<=", "severity": "error",
        "status": "pass",
    }  # fmt: skip
    assert checks["freshness.latest_sale_date"]["status"] == "warn"
    assert run["result"]["failed"] == 0


async def test_events_job_reports_planted_conditions_once(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    job = JOB["wwi.hourly.events"]
    runner = store.runner(wwi_service, demo_wh)
    first = await runner.run_tick(job, datetime(2026, 11, 23, 6, 30, tzinfo=UTC))
    assert first.status == "succeeded" and first.result is not None
    assert first.result["new"] == first.result["detected"] > 0
    events = wwi_service.get("/api/wwi/events", params={"limit": 1000}).json()["items"]
    by_item = {(e["event_type"], e["stock_item_key"]) for e in events}
    assert ("demand_spike", wwi_planted.SPIKE_STOCK_ITEM_KEY) in by_item
    assert ("stock_out", 77) in by_item
    for case in wwi_planted.BELOW_REORDER:
        if case.quantity_on_hand > 0:
            assert ("below_reorder_level", case.stock_item_key) in by_item
    spike = next(e for e in events if e["event_type"] == "demand_spike")
    assert spike["details"]["recent_units"] >= 10 * spike["details"]["baseline_units"] / 12

    second = await runner.run_tick(job, datetime(2026, 11, 23, 7, 30, tzinfo=UTC))
    assert second.result is not None
    assert (second.result["detected"], second.result["new"], second.result["cleared"]) == (
        first.result["detected"],
        0,
        0,
    )
    again = wwi_service.get("/api/wwi/events", params={"limit": 1000}).json()["items"]
    assert len(again) == len(events)
    detected_at = [e["detected_at"] for e in again]
    assert detected_at == sorted(detected_at, reverse=True)


async def test_cleared_condition_is_reported_again_when_it_returns(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    detected = detect_events((await stock_snapshot(demo_wh)).positions)
    spike = [e for e in detected if e.event_type == "demand_spike"]
    rest = [e for e in detected if e.event_type != "demand_spike"]
    async with store.sessions.begin() as session:
        await record_events(session, run_id="r1", detected=detected)
    async with store.sessions.begin() as session:
        gone = await record_events(session, run_id="r2", detected=rest)
    assert gone.new == 0 and gone.cleared == len(spike)
    async with store.sessions.begin() as session:
        back = await record_events(session, run_id="r3", detected=detected)
    assert back.new_by_type == {"demand_spike": len(spike)} and back.cleared == 0
    key = spike[0].condition_key
    rows = await fetch_sql(
        wwi_service.postgres_url,
        "SELECT run_id, cleared_at IS NOT NULL AS closed FROM wwi_business_events "
        "WHERE condition_key = $1 ORDER BY id",
        key,
    )
    assert [tuple(r)[1] for r in rows][-2:] == [True, False]
    assert rows[-1]["run_id"] == "r3"
    only = {"open_only": "true", "event_type": "demand_spike"}
    open_only = wwi_service.get("/api/wwi/events", params=only)
    assert [e["condition_key"] for e in open_only.json()["items"]] == [key]


async def test_racing_event_writers_store_each_condition_once(
    wwi_service: LiveService, store: Store, demo_wh: WarehouseClient
) -> None:
    detected = detect_events((await stock_snapshot(demo_wh)).positions)

    async def write(run: str) -> int:
        async with store.sessions.begin() as session:
            return (await record_events(session, run_id=run, detected=detected)).new

    await asyncio.gather(*(write(f"race-{n}") for n in range(3)))
    async with store.sessions() as session:
        open_counts = (
            await session.execute(
                select(EVENTS.c.condition_key, func.count())
                .where(EVENTS.c.cleared_at.is_(None))
                .group_by(EVENTS.c.condition_key)
            )
        ).all()
    assert {key for key, _ in open_counts} == {e.condition_key for e in detected}
    assert {count for _, count in open_counts} == {1}


def test_scheduler_runs_every_job_once_after_start_up(
    postgres_url: str, wwi_demo_path: Path
) -> None:
    # Delay 0: `JobRunner.run_tick` waits for the write store's schema, so a start-up run fired
    # before `create_all` has finished still claims its tick and is recorded.
    settings = service_settings(
        postgres_url, wwi_demo_path.parent, jobs_enabled=True, jobs_startup_delay_seconds=0
    )
    with live_server(create_app(settings)) as url:
        service = LiveService(url, settings, postgres_url)

        def all_succeeded() -> list[dict[str, Any]] | None:
            answer = service.get("/api/wwi/jobs")
            assert answer.status_code == 200, answer.text
            runs = answer.json()["items"]
            done = {run["job_id"] for run in runs if run["status"] == "succeeded"}
            return runs if done == set(JOB) else None

        runs = poll_until(all_succeeded, timeout=60, interval=0.2, what="startup job runs")
        assert sorted(run["job_id"] for run in runs) == sorted(JOB)
        events = service.get("/api/wwi/export/business-events", params={"format": "csv"})
        assert events.status_code == 200
        assert "Chocolate beetles" in events.text and "demand_spike" in events.text
