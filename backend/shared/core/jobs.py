"""Scheduled jobs: one execution per tick across any number of replicas, recorded and traced.

A replica claims a tick by inserting `(job_id, scheduled_for)` into `job_executions`; the unique
constraint lets exactly one INSERT win, and only the winner runs the job body. `scheduled_for` is
the trigger's fire time, not `now()`, so every replica names the same tick the same way. Each run
is one OTel root span and ends as `succeeded` or `failed` with its duration and error. When the
write store is down the outcome is kept in memory and written once it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.core.audit import AuditEntry, current_trace_id, record_audit
from shared.core.config import Settings
from shared.core.warehouse import WarehouseClient
from shared.db.tables import JobExecution

logger = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

MISFIRE_GRACE_SECONDS = 300
STARTUP_WINDOW = timedelta(minutes=10)
"""Replicas started within one such window (a rollout) share one start-up run of each job."""
SCHEMA_WAIT_SECONDS = 60.0
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobContext:
    """What a job body gets: where to read, where to write, and the run id to stamp rows with."""

    run_id: str
    job_id: str
    scheduled_for: datetime
    settings: Settings
    warehouse: WarehouseClient
    sessions: async_sessionmaker[AsyncSession]


JobBody = Callable[[JobContext], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    cron: Mapping[str, str]
    run: JobBody
    description: str = ""

    def trigger(self) -> CronTrigger:
        return CronTrigger(timezone=UTC, **self.cron)


@dataclass(frozen=True)
class JobOutcome:
    claimed: bool
    execution_id: int | None = None
    status: str | None = None
    error: str | None = None
    result: Mapping[str, Any] | None = None


@dataclass
class JobRunner:
    """Claims, runs and records ticks for one service."""

    service: str
    domain: str
    settings: Settings
    warehouse: WarehouseClient
    sessions: async_sessionmaker[AsyncSession]
    schema_ready: asyncio.Event | None = None
    _unrecorded: list[dict[str, Any]] = field(default_factory=list)

    async def run_tick(self, job: JobSpec, scheduled_for: datetime) -> JobOutcome:
        """Run `job` for `scheduled_for` unless another replica already claimed that tick."""
        if self.schema_ready is not None and not self.schema_ready.is_set():
            # Start-up runs come before the schema may exist; a store that stays down is
            # handled like any outage (the failed run is recorded once it is back).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.schema_ready.wait(), SCHEMA_WAIT_SECONDS)
        await self.flush_unrecorded()
        started = time.perf_counter()
        # A root span: a job is not part of whatever request or job happened to schedule it.
        token = otel_context.attach(otel_context.Context())
        try:
            with tracer.start_as_current_span(
                f"job {job.job_id}",
                kind=trace.SpanKind.INTERNAL,
                attributes={"job.id": job.job_id, "job.scheduled_for": scheduled_for.isoformat()},
            ) as span:
                try:
                    execution_id = await self._claim(job, scheduled_for)
                except Exception as error:
                    return self._remember_failure(job, scheduled_for, started, error)
                if execution_id is None:
                    span.set_attribute("job.claimed", False)
                    return JobOutcome(claimed=False)
                span.set_attribute("job.execution_id", execution_id)
                return await self._execute(job, scheduled_for, execution_id, started, span)
        finally:
            otel_context.detach(token)

    async def _execute(
        self,
        job: JobSpec,
        scheduled_for: datetime,
        execution_id: int,
        started: float,
        span: trace.Span,
    ) -> JobOutcome:
        context = JobContext(
            run_id=str(execution_id),
            job_id=job.job_id,
            scheduled_for=scheduled_for,
            settings=self.settings,
            warehouse=self.warehouse,
            sessions=self.sessions,
        )
        status, error, result = "succeeded", None, None
        try:
            result = dict(await job.run(context))
        except Exception as failure:
            status, error = "failed", f"{type(failure).__name__}: {failure}"
            span.record_exception(failure)
            span.set_status(trace.StatusCode.ERROR, error)
            logger.warning("job %s (%s) failed: %s", job.job_id, execution_id, error)
        duration_ms = (time.perf_counter() - started) * 1000
        record = {
            "id": execution_id,
            "job_id": job.job_id,
            "status": status,
            "error": error,
            "result": result,
            "duration_ms": duration_ms,
            "finished_at": datetime.now(UTC),
        }
        try:
            await self._finish(record)
        except Exception:
            logger.warning("job %s result not recorded: write store unavailable", job.job_id)
            self._unrecorded.append(record)
        logger.info("job %s %s in %.0f ms", job.job_id, status, duration_ms)
        return JobOutcome(True, execution_id, status, error, result)

    async def _claim(self, job: JobSpec, scheduled_for: datetime) -> int | None:
        statement = (
            pg_insert(JobExecution)
            .values(
                job_id=job.job_id,
                service=self.service,
                scheduled_for=scheduled_for,
                status="running",
                instance=INSTANCE,
                trace_id=current_trace_id(),
            )
            .on_conflict_do_nothing(constraint="uq_job_tick")
            .returning(JobExecution.id)
        )
        async with self.sessions.begin() as session:
            return (await session.execute(statement)).scalar_one_or_none()

    async def _finish(self, record: Mapping[str, Any]) -> None:
        async with self.sessions.begin() as session:
            if record.get("id") is None:
                # The store was down when the tick came: record the failed run now.
                await session.execute(
                    pg_insert(JobExecution)
                    .values(
                        job_id=record["job_id"],
                        service=self.service,
                        scheduled_for=record["scheduled_for"],
                        status="failed",
                        instance=INSTANCE,
                        error=record["error"],
                        duration_ms=record["duration_ms"],
                        finished_at=record["finished_at"],
                    )
                    .on_conflict_do_nothing(constraint="uq_job_tick")
                )
            else:
                await session.execute(
                    update(JobExecution)
                    .where(JobExecution.id == record["id"])
                    .values(
                        status=record["status"],
                        error=record["error"],
                        result=record["result"],
                        duration_ms=record["duration_ms"],
                        finished_at=record["finished_at"],
                    )
                )
            await record_audit(
                session,
                AuditEntry(
                    domain=self.domain,
                    action=f"job.{record['job_id']}",
                    actor="scheduler",
                    outcome="success" if record["status"] == "succeeded" else "error",
                    parameters={"execution_id": record.get("id")},
                    duration_ms=record["duration_ms"],
                    detail=record["error"],
                ),
            )

    def _remember_failure(
        self, job: JobSpec, scheduled_for: datetime, started: float, error: Exception
    ) -> JobOutcome:
        message = f"write store unavailable: {type(error).__name__}"
        logger.warning("job %s tick %s not claimed: %s", job.job_id, scheduled_for, message)
        self._unrecorded.append(
            {
                "id": None,
                "job_id": job.job_id,
                "scheduled_for": scheduled_for,
                "status": "failed",
                "error": message,
                "result": None,
                "duration_ms": (time.perf_counter() - started) * 1000,
                "finished_at": datetime.now(UTC),
            }
        )
        return JobOutcome(claimed=False, status="failed", error=message)

    async def flush_unrecorded(self) -> None:
        """Write outcomes kept while the store was down; keep them if it still is."""
        while self._unrecorded:
            try:
                await self._finish(self._unrecorded[0])
            except Exception:
                return
            self._unrecorded.pop(0)

    @property
    def pending(self) -> int:
        return len(self._unrecorded)


def scheduled_time(trigger: CronTrigger, now: datetime) -> datetime:
    """The fire time this run belongs to: the trigger's latest fire time within the grace."""
    candidate = trigger.get_next_fire_time(None, now - timedelta(seconds=MISFIRE_GRACE_SECONDS))
    if candidate is None or candidate > now:
        return now.replace(microsecond=0)
    latest: datetime = candidate
    while True:
        following = trigger.get_next_fire_time(latest, latest + timedelta(seconds=1))
        if following is None or following > now:
            return latest
        latest = following


def startup_tick(started_at: datetime) -> datetime:
    """The tick a start-up run claims: the start time floored to `STARTUP_WINDOW` (UTC).

    Keyed on each process's own start second, every replica of a rollout would run every job
    once more; floored to the window, the replicas started together race for one claim and one
    of them runs it. A restart in a later window runs the jobs again.
    """
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    window = STARTUP_WINDOW.total_seconds()
    return epoch + timedelta(seconds=(started_at - epoch).total_seconds() // window * window)


def quiet_scheduler_logs() -> None:
    """APScheduler logs every job it adds, runs and removes at INFO, some twenty lines per start
    that bury the service's own; keep them at WARNING unless the process logs at DEBUG (each run
    is still logged once, by `JobRunner._execute`)."""
    debugging = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if debugging else logging.WARNING)


def build_scheduler(runner: JobRunner, jobs: Sequence[JobSpec], *, startup_delay: float) -> Any:
    """An AsyncIOScheduler with each job on its UTC cron and once `startup_delay` s after start."""
    quiet_scheduler_logs()
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    started_at = datetime.now(UTC).replace(microsecond=0)
    for job in jobs:
        trigger = job.trigger()

        async def on_tick(job: JobSpec = job, trigger: CronTrigger = trigger) -> None:
            await runner.run_tick(job, scheduled_time(trigger, datetime.now(UTC)))

        async def on_startup(job: JobSpec = job) -> None:
            await runner.run_tick(job, startup_tick(started_at))

        scheduler.add_job(on_tick, trigger, id=job.job_id, name=job.description or job.job_id)
        scheduler.add_job(
            on_startup,
            DateTrigger(run_date=started_at + timedelta(seconds=startup_delay), timezone=UTC),
            id=f"{job.job_id}.startup",
        )
    scheduler.add_job(
        runner.flush_unrecorded, IntervalTrigger(seconds=15, timezone=UTC), id="jobs.flush"
    )
    return scheduler
