"""The write store's shared tables — audit trail, job runs, export records — and their helpers.

`audit_log` and `export_records` are immutable in PostgreSQL itself (see `shared.db.postgres`):
rows can be added, never changed or removed. `audit_log` rows also carry a hash chain computed by
the database under a lock, so concurrent writers cannot fork it and an edited row is detectable.
`job_executions` has a unique `(job_id, scheduled_for)`: the INSERT that claims a scheduled tick
succeeds for exactly one replica.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from opentelemetry import trace
from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

logger = logging.getLogger(__name__)

Outcome = Literal["success", "error", "denied", "rejected"]


class SharedBase(DeclarativeBase):
    """Declarative base of every write-store table; its metadata is created at start-up."""

    type_annotation_map = {dict[str, Any]: JSONB}


class AuditLog(SharedBase):
    """One row per analytics call, job run, export and report. Immutable; hash-chained."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    domain: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(256))
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    trace_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class JobExecution(SharedBase):
    """One scheduled run; the unique tick key lets exactly one replica claim it."""

    __tablename__ = "job_executions"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_job_tick"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(128), index=True)
    service: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running | succeeded | failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    trace_id: Mapped[str | None] = mapped_column(String(32))
    instance: Mapped[str | None] = mapped_column(String(256))


class ExportRecord(SharedBase):
    """Metadata of one per-view download. Immutable."""

    __tablename__ = "export_records"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    domain: Mapped[str] = mapped_column(String(32))
    view: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(256))
    row_count: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(256))
    parameters: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    trace_id: Mapped[str | None] = mapped_column(String(32))


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


@dataclass(frozen=True)
class AuditEntry:
    domain: str
    action: str
    actor: str
    outcome: Outcome
    parameters: Mapping[str, Any]
    status_code: int | None = None
    duration_ms: float | None = None
    detail: str | None = None


AUDIT_LOG = cast(Table, AuditLog.__table__)
AUDIT_INSERT = insert(AUDIT_LOG)
"""Executed with `audit_values(entry)`: one statement text for every row, compiled once (a
`.values()` per call would cost a cache-key walk and the ORM's key mapping each time)."""


def audit_values(entry: AuditEntry) -> dict[str, Any]:
    """The columns of one audit row, stamped with the current trace id; the database's trigger
    fills in the id, the time and the hash chain."""
    return {
        "domain": entry.domain,
        "action": entry.action,
        "actor": entry.actor,
        "outcome": entry.outcome,
        "parameters": dict(entry.parameters),
        "status_code": entry.status_code,
        "duration_ms": entry.duration_ms,
        "detail": entry.detail,
        "trace_id": current_trace_id(),
    }


async def record_audit(session: AsyncSession, entry: AuditEntry) -> int:
    """Append one audit row in the caller's transaction and return its id."""
    statement = AUDIT_INSERT.returning(AUDIT_LOG.c.id)
    return int((await session.execute(statement, audit_values(entry))).scalar_one())


async def write_audit(sessions: async_sessionmaker[AsyncSession], entry: AuditEntry) -> bool:
    """Append one audit row in its own transaction; False (logged) when the store is down.

    Used after a request's work is done, so a write-store outage is reported by /ready and the
    503 of the next call rather than turning a successful read into an error.
    """
    try:
        async with sessions.begin() as session:
            await record_audit(session, entry)
    except Exception:
        logger.warning("audit row for %s/%s not written: write store unavailable", entry.domain,
                       entry.action, exc_info=True)  # fmt: skip
        return False
    return True


async def record_export(
    session: AsyncSession,
    *,
    domain: str,
    view: str,
    format: str,
    filename: str,
    row_count: int,
    size_bytes: int,
    sha256: str,
    actor: str,
    parameters: Mapping[str, Any],
) -> int:
    """Append one export record in the caller's transaction and return its id."""
    statement = (
        insert(ExportRecord)
        .values(
            domain=domain,
            view=view,
            format=format,
            filename=filename,
            row_count=row_count,
            size_bytes=size_bytes,
            sha256=sha256,
            actor=actor,
            parameters=dict(parameters),
            trace_id=current_trace_id(),
        )
        .returning(ExportRecord.id)
    )
    return int((await session.execute(statement)).scalar_one())


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows_checked: int
    first_broken_id: int | None = None
    reason: str | None = None


async def verify_audit_chain(session: AsyncSession, *, batch_size: int = 5000) -> ChainReport:
    """Walk `audit_log` in id order and recompute each row's hash; report the first break."""
    expected_prev = ""
    checked = 0
    last_id = 0
    while True:
        rows = (
            await session.execute(
                select(
                    AuditLog.id,
                    AuditLog.prev_hash,
                    AuditLog.row_hash,
                    func.audit_log_hash(text("audit_log")).label("recomputed"),
                )
                .where(AuditLog.id > last_id)
                .order_by(AuditLog.id)
                .limit(batch_size)
            )
        ).all()
        if not rows:
            return ChainReport(ok=True, rows_checked=checked)
        for row in rows:
            if (row.prev_hash or "") != expected_prev:
                reason = "prev_hash does not match the row before"
                return ChainReport(False, checked, row.id, reason)
            if row.row_hash != row.recomputed:
                return ChainReport(False, checked, row.id, "row content does not match its hash")
            expected_prev = row.row_hash
            checked += 1
            last_id = row.id
