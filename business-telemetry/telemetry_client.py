"""The async SDK: `BusinessTelemetryClient` emits typed business events to a buffered sink.

Per-request context (session, user, correlation id) lives in `contextvars`, never on the client,
so one client shared by concurrent requests never mixes their context: each asyncio task sees the
context of the request it serves. Events are validated when built; a bad keyword raises
`pydantic.ValidationError` at the call site instead of failing later in a sink.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, replace
from typing import Any

from business_events import BaseEvent, EventSource, EventType, create_event
from config import FabricSettings, get_fabric_settings
from sinks.base import BaseSink
from sinks.registry import create_sink


@dataclass
class _Counter:
    interactions: int = 0


@dataclass(frozen=True)
class TelemetryContext:
    session_id: str | None = None
    user_id: str | None = None
    correlation_id: str | None = None
    counter: _Counter | None = field(default=None, compare=False)


_context: ContextVar[TelemetryContext] = ContextVar(
    "business_telemetry_context",
    default=TelemetryContext(),  # noqa: B039 - frozen, shared-safe
)
_SESSION_TYPES = {EventType.SESSION_STARTED.value, EventType.SESSION_ENDED.value}


class BusinessTelemetryClient:
    """Emit business events; `start()` before, `stop()` after (it flushes what is queued)."""

    def __init__(
        self,
        sink: BaseSink,
        default_source: EventSource | str | None = None,
        environment: str = "production",
        service_version: str = "1.0.0",
        enabled: bool = True,
        service_name: str = "business-telemetry",
    ) -> None:
        self.sink = sink
        self.default_source = str(default_source) if default_source is not None else None
        self.environment = environment
        self.service_version = service_version
        self.service_name = service_name
        self.enabled = enabled
        self._started = False

    @classmethod
    def from_env(
        cls,
        settings: FabricSettings | None = None,
        default_source: EventSource | str | None = None,
    ) -> BusinessTelemetryClient:
        """A client configured by the `FABRIC_*` variables, read through `config` only."""
        settings = settings or get_fabric_settings()
        return cls(
            sink=create_sink(settings),
            default_source=default_source,
            environment=settings.environment,
            service_version=settings.service_version,
            enabled=settings.telemetry_enabled,
            service_name=settings.service_name,
        )

    async def start(self) -> None:
        if self.enabled and not self._started:
            await self.sink.start()
            self._started = True

    async def stop(self) -> None:
        """Flush every queued event, then close the sink."""
        if self._started:
            await self.sink.stop()
            self._started = False

    def set_context(
        self,
        session_id: str | None = None,
        user_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Token[TelemetryContext]:
        """Set context for the current task (and tasks it starts); returns a reset token."""
        current = _context.get()
        updated = replace(
            current,
            session_id=session_id if session_id is not None else current.session_id,
            user_id=user_id if user_id is not None else current.user_id,
            correlation_id=correlation_id if correlation_id is not None else current.correlation_id,
        )
        return _context.set(updated)

    def clear_context(self) -> None:
        _context.set(TelemetryContext())

    @property
    def context(self) -> TelemetryContext:
        return _context.get()

    @asynccontextmanager
    async def session_context(
        self,
        session_id: str,
        user_id: str | None = None,
        emit_session_events: bool = True,
    ) -> AsyncIterator[BusinessTelemetryClient]:
        """Scope events to a session; emits started, then ended with duration and count."""
        current = _context.get()
        token = _context.set(
            TelemetryContext(
                session_id, user_id or current.user_id, current.correlation_id, _Counter()
            )
        )
        started = time.monotonic()
        try:
            if emit_session_events:
                await self.emit_session_started(session_id=session_id, user_id=user_id)
            yield self
        finally:
            counter = _context.get().counter
            try:
                if emit_session_events:
                    await self.emit_session_ended(
                        session_id=session_id,
                        user_id=user_id,
                        duration_ms=int((time.monotonic() - started) * 1000),
                        interaction_count=counter.interactions if counter else 0,
                    )
            finally:
                _context.reset(token)

    def _enrich(self, event: BaseEvent) -> BaseEvent:
        ctx = _context.get()
        event.session_id = event.session_id or ctx.session_id
        event.user_id = event.user_id or ctx.user_id
        event.correlation_id = event.correlation_id or ctx.correlation_id
        event.event_source = event.event_source or self.default_source
        event.environment = event.environment or self.environment
        event.service_name = event.service_name or self.service_name
        event.service_version = event.service_version or self.service_version
        if ctx.counter is not None and event.event_type not in _SESSION_TYPES:
            ctx.counter.interactions += 1
        return event

    async def emit(self, event: BaseEvent) -> bool:
        """Queue one event; False when disabled or when the sink's queue stayed full."""
        if not self.enabled:
            return False
        return await self.sink.send(self._enrich(event).to_dict())

    async def emit_batch(self, events: Sequence[BaseEvent]) -> bool:
        """Write events now (not via the queue); True only if every one was delivered."""
        if not self.enabled:
            return False
        result = await self.sink.send_batch([self._enrich(e).to_dict() for e in events])
        return result.success

    async def _emit(self, event_type: EventType, fields: dict[str, Any]) -> bool:
        if not self.enabled:
            return False
        return await self.emit(create_event(event_type, **fields))

    async def emit_product_viewed(
        self,
        product_id: str,
        product_name: str | None = None,
        category: str | None = None,
        price: float | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_VIEWED,
            {
                "product_id": product_id,
                "product_name": product_name,
                "category": category,
                "price": price,
                **extra,
            },
        )

    async def emit_product_searched(
        self,
        search_query: str | None = None,
        results_count: int | None = None,
        product_ids: list[str] | None = None,
        *,
        query: str | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_SEARCHED,
            {
                "search_query": search_query if search_query is not None else query,
                "results_count": results_count,
                "product_ids": product_ids,
                **extra,
            },
        )

    async def emit_product_listed(
        self,
        product_ids: list[str],
        page: int | None = None,
        page_size: int | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_LISTED,
            {"product_ids": product_ids, "page": page, "page_size": page_size, **extra},
        )

    emit_products_listed = emit_product_listed  # the original's name

    async def emit_order_placed(
        self,
        order_id: str,
        items: list[dict[str, Any]] | None = None,
        total: float | None = None,
        customer_name: str | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.ORDER_PLACED,
            {
                "order_id": order_id,
                "items": items,
                "total": total,
                "customer_name": customer_name,
                **extra,
            },
        )

    async def emit_order_status_checked(
        self, order_id: str, status: str | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.ORDER_STATUS_CHECKED, {"order_id": order_id, "status": status, **extra}
        )

    async def emit_order_completed(
        self, order_id: str, processing_duration_ms: int | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.ORDER_COMPLETED,
            {"order_id": order_id, "processing_duration_ms": processing_duration_ms, **extra},
        )

    async def emit_order_failed(
        self, order_id: str, error_reason: str | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.ORDER_FAILED, {"order_id": order_id, "error_reason": error_reason, **extra}
        )

    async def emit_session_started(
        self, session_id: str, user_id: str | None = None, **extra: Any
    ) -> bool:
        event = create_event(
            EventType.SESSION_STARTED, session_id=session_id, user_id=user_id, **extra
        )
        return await self.emit(event) if self.enabled else False

    async def emit_session_ended(
        self,
        session_id: str,
        duration_ms: int | None = None,
        interaction_count: int | None = None,
        user_id: str | None = None,
        **extra: Any,
    ) -> bool:
        event = create_event(
            EventType.SESSION_ENDED,
            session_id=session_id,
            user_id=user_id,
            duration_ms=duration_ms,
            interaction_count=interaction_count,
            **extra,
        )
        return await self.emit(event) if self.enabled else False

    async def emit_customer_query(
        self,
        query_text: str,
        response_time_ms: int | None = None,
        ai_model: str | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.CUSTOMER_QUERY,
            {
                "query_text": query_text,
                "response_time_ms": response_time_ms,
                "ai_model": ai_model,
                **extra,
            },
        )

    async def emit_customer_feedback(
        self, feedback_rating: int, feedback_text: str | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.CUSTOMER_FEEDBACK,
            {"feedback_rating": feedback_rating, "feedback_text": feedback_text, **extra},
        )

    async def emit_inventory_updated(
        self,
        product_id: str,
        previous_qty: int | None = None,
        new_qty: int | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.INVENTORY_UPDATED,
            {"product_id": product_id, "previous_qty": previous_qty, "new_qty": new_qty, **extra},
        )

    async def emit_product_created(
        self,
        product_id: str,
        product_name: str | None = None,
        ai_assisted: bool | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_CREATED,
            {
                "product_id": product_id,
                "product_name": product_name,
                "ai_assisted": ai_assisted,
                **extra,
            },
        )

    async def emit_product_creation_failed(
        self, product_name: str, error_message: str | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_CREATION_FAILED,
            {"product_name": product_name, "error_message": error_message, **extra},
        )

    async def emit_product_updated(
        self, product_id: str, changes: dict[str, Any] | None = None, **extra: Any
    ) -> bool:
        return await self._emit(
            EventType.PRODUCT_UPDATED, {"product_id": product_id, "changes": changes, **extra}
        )

    async def emit_product_deleted(self, product_id: str, **extra: Any) -> bool:
        return await self._emit(EventType.PRODUCT_DELETED, {"product_id": product_id, **extra})

    async def emit_ai_recommendation(
        self,
        model_name: str,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.AI_RECOMMENDATION,
            {
                "model_name": model_name,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                **extra,
            },
        )

    async def emit_ai_description_generated(
        self,
        model_name: str,
        content_type: str | None = None,
        tokens_used: int | None = None,
        **extra: Any,
    ) -> bool:
        return await self._emit(
            EventType.AI_DESCRIPTION_GENERATED,
            {
                "model_name": model_name,
                "content_type": content_type,
                "tokens_used": tokens_used,
                **extra,
            },
        )

    emit_ai_content_generated = emit_ai_description_generated  # the original's name


_default_client: BusinessTelemetryClient | None = None


def init_business_telemetry(settings: FabricSettings | None = None) -> BusinessTelemetryClient:
    """Create the process's default client from the environment (the original's helper)."""
    global _default_client
    _default_client = BusinessTelemetryClient.from_env(settings)
    return _default_client


def get_business_telemetry() -> BusinessTelemetryClient | None:
    return _default_client


async def emit_business_event(event: BaseEvent) -> bool:
    """Emit through the default client; False when none was initialised."""
    return await _default_client.emit(event) if _default_client is not None else False
