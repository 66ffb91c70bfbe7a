"""The audit trail: every write of an `audit_log` or `export_records` row, and the chain check.

Rows can be added, never changed or removed (`shared.db.postgres` makes them immutable), and each
`audit_log` row carries a hash chain computed by the database under a lock, so concurrent writers
cannot fork it and an edited row is detectable.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from opentelemetry import trace
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from shared.db.tables import AuditLog, ExportRecord

logger = logging.getLogger(__name__)

Outcome = Literal["success", "error", "denied", "rejected"]


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


async def append_audit(connection: AsyncConnection, entry: AuditEntry) -> None:
    """Append one audit row on an autocommit connection: one statement, committed by itself, so
    the trigger's chain lock lasts exactly that statement (every analytics call's row)."""
    await connection.execute(AUDIT_INSERT, audit_values(entry))


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
