"""The audit trail read from PostgreSQL, and a check of its hash chain.

Without `domain` every row is listed, including the gateway's own (`gateway`: audit reads and
verifications, `reports`: report generation); `domain=aw|wwi` narrows to one analytics service.
Reading or verifying the trail is itself audited, after the read, in its own transaction.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.api_gateway.auth import PROTECTED_RESPONSES, Principal
from shared.core.audit import AuditEntry, verify_audit_chain, write_audit
from shared.core.deps import Offset, OptionalLimit
from shared.core.errors import DependencyUnavailable
from shared.db.tables import AuditLog

router = APIRouter(
    prefix="/api/audit",
    tags=["audit"],
    responses={**PROTECTED_RESPONSES, 503: {"description": "PostgreSQL is unavailable"}},
)

AuditDomain = Literal["aw", "wwi"]
GATEWAY_DOMAIN = "gateway"


class AuditRow(BaseModel):
    """One audit event; `prev_hash`/`row_hash` link it into the tamper-evident chain."""

    id: int
    occurred_at: datetime
    domain: str
    action: str
    actor: str
    parameters: dict[str, Any]
    outcome: str
    status_code: int | None
    duration_ms: float | None
    trace_id: str | None
    detail: str | None
    prev_hash: str | None
    row_hash: str | None


class AuditPage(BaseModel):
    items: list[AuditRow]
    limit: int
    offset: int
    domain: AuditDomain | None


class ChainVerification(BaseModel):
    """`ok` is false at the first row whose link or content does not match its hash."""

    ok: bool
    rows_checked: int
    first_broken_id: int | None
    reason: str | None


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


@router.get("", response_model=AuditPage)
async def list_audit(
    request: Request,
    principal: Principal,
    domain: Annotated[
        AuditDomain | None, Query(description="Only this service's rows; all rows when omitted")
    ] = None,
    limit: OptionalLimit = None,
    offset: Offset = 0,
) -> AuditPage:
    """Audit log rows, newest first, paged."""
    page_size = limit if limit is not None else request.app.state.settings.storage_default_limit
    statement = select(AuditLog).order_by(AuditLog.id.desc()).limit(page_size).offset(offset)
    if domain is not None:
        statement = statement.where(AuditLog.domain == domain)
    started = time.perf_counter()
    try:
        async with _sessions(request)() as session:
            rows = (await session.execute(statement)).scalars().all()
    except (SQLAlchemyError, OSError, TimeoutError):
        raise DependencyUnavailable("postgres") from None
    items = [AuditRow.model_validate(row, from_attributes=True) for row in rows]
    await write_audit(
        _sessions(request),
        AuditEntry(
            domain=GATEWAY_DOMAIN,
            action="audit.read",
            actor=principal.subject,
            outcome="success",
            parameters={"domain": domain, "limit": page_size, "offset": offset},
            status_code=200,
            duration_ms=(time.perf_counter() - started) * 1000,
        ),
    )
    return AuditPage(items=items, limit=page_size, offset=offset, domain=domain)


@router.get("/verify", response_model=ChainVerification)
async def verify_audit(request: Request, principal: Principal) -> ChainVerification:
    """Recompute the audit hash chain from the first row and report the first break, if any."""
    started = time.perf_counter()
    try:
        async with _sessions(request)() as session:
            report = await verify_audit_chain(session)
    except (SQLAlchemyError, OSError, TimeoutError):
        raise DependencyUnavailable("postgres") from None
    await write_audit(
        _sessions(request),
        AuditEntry(
            domain=GATEWAY_DOMAIN,
            action="audit.verify",
            actor=principal.subject,
            outcome="success",
            parameters={
                "ok": report.ok,
                "rows_checked": report.rows_checked,
                "first_broken_id": report.first_broken_id,
            },
            status_code=200,
            duration_ms=(time.perf_counter() - started) * 1000,
        ),
    )
    return ChainVerification(
        ok=report.ok,
        rows_checked=report.rows_checked,
        first_broken_id=report.first_broken_id,
        reason=report.reason,
    )
