"""The write store's shared tables: audit trail, job runs, export records, and their base.

`audit_log` and `export_records` are immutable in PostgreSQL itself (`shared.db.postgres`);
`job_executions` has a unique `(job_id, scheduled_for)`, so the INSERT that claims a scheduled
tick succeeds for exactly one replica.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
