"""Per-request telemetry context, held in a `ContextVar` and never on the client.

The original SDK kept session, user, customer and infrastructure context on its process-wide
client, so two concurrent requests overwrote each other's. Here each asyncio task (and each
thread) sees its own `TelemetryContext`: setting it affects the current task and the tasks it
starts afterwards, nothing else. The context is immutable; every change sets a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from business_telemetry.events.envelope import SESSION_TYPES, BaseEvent

INFRASTRUCTURE_FIELDS = (
    "agent_id",
    "agent_session_id",
    "workload_id",
    "cluster_id",
    "namespace",
    "pod_name",
    "deployment_name",
)
"""Fabric-Pulse ontology keys (`set_infrastructure_context`), added to every event's `data`."""

CUSTOMER_FIELDS = ("customer_id", "customer_name", "customer_email", "channel")
"""Customer keys (`set_customer_context`), added to every event's `data` for KQL joins."""

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass
class InteractionCounter:
    """Events emitted inside one `session_context` (shared by the tasks it starts)."""

    interactions: int = 0


@dataclass(frozen=True)
class TelemetryContext:
    session_id: str | None = None
    user_id: str | None = None
    correlation_id: str | None = None
    counter: InteractionCounter | None = field(default=None, compare=False)
    infrastructure: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    customer: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


_context: ContextVar[TelemetryContext] = ContextVar(
    "business_telemetry_context",
    default=TelemetryContext(),  # noqa: B039 - frozen, shared-safe
)


def current() -> TelemetryContext:
    return _context.get()


def set_current(context: TelemetryContext) -> Token[TelemetryContext]:
    return _context.set(context)


def reset(token: Token[TelemetryContext]) -> None:
    _context.reset(token)


def merged(base: Mapping[str, str], updates: Mapping[str, str | None]) -> Mapping[str, str]:
    """`base` with the non-None `updates` applied (None means "leave as it is")."""
    values = dict(base)
    values.update({k: v for k, v in updates.items() if v is not None})
    return MappingProxyType(values)


def update(
    *,
    session_id: str | None = None,
    user_id: str | None = None,
    correlation_id: str | None = None,
    infrastructure: Mapping[str, str | None] | None = None,
    customer: Mapping[str, str | None] | None = None,
) -> Token[TelemetryContext]:
    """Set the given parts of the current context (None leaves a part unchanged)."""
    now = _context.get()
    return _context.set(
        replace(
            now,
            session_id=session_id if session_id is not None else now.session_id,
            user_id=user_id if user_id is not None else now.user_id,
            correlation_id=correlation_id if correlation_id is not None else now.correlation_id,
            infrastructure=merged(now.infrastructure, infrastructure or {}),
            customer=merged(now.customer, customer or {}),
        )
    )


def clear(
    *, correlation: bool = False, infrastructure: bool = False, customer: bool = False
) -> None:
    """Forget the chosen parts of the current context."""
    now = _context.get()
    _context.set(
        replace(
            now,
            session_id=None if correlation else now.session_id,
            user_id=None if correlation else now.user_id,
            correlation_id=None if correlation else now.correlation_id,
            counter=None if correlation else now.counter,
            infrastructure=_EMPTY if infrastructure else now.infrastructure,
            customer=_EMPTY if customer else now.customer,
        )
    )


def apply(event: BaseEvent) -> BaseEvent:
    """Fill what the event leaves unset from the current context; count the interaction."""
    ctx = _context.get()
    event.session_id = event.session_id or ctx.session_id
    event.user_id = event.user_id or ctx.user_id
    event.correlation_id = event.correlation_id or ctx.correlation_id
    keys = {**ctx.customer, **ctx.infrastructure}
    missing = {k: v for k, v in keys.items() if event.data.get(k) is None}
    if missing:
        event.data = {**event.data, **missing}
    if ctx.counter is not None and event.event_type not in SESSION_TYPES:
        ctx.counter.interactions += 1
    return event
