"""The async SDK: `BusinessTelemetryClient` emits typed business events to a buffered sink.

Per-request context (session, user, correlation id, customer and infrastructure keys) lives in
`contextvars` (`sdk.context`), never on the client, so one client shared by concurrent
requests never mixes their context. Like the original, `from_env()` returns one shared client per
process (`get_instance()`), which is safe precisely because it holds no request state. Events are
validated when built; a bad keyword raises `pydantic.ValidationError` at the call site instead of
failing later in a sink. The typed `emit_<type>` coroutines are in `sdk.emitters`; the blocking
wrapper (`sdk.sync`) builds on this module, and `telemetry_client` exports both, as the original.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import Token
from dataclasses import replace
from typing import Any, ClassVar

from business_telemetry.config import FabricSettings, get_fabric_settings
from business_telemetry.events.catalog import (
    AdminEvent,
    AIEvent,
    BaseEvent,
    CustomerEvent,
    EventSource,
    EventType,
    OrderEvent,
    ProductEvent,
    create_customer_query_event,
    create_event,
    create_inventory_updated_event,
    create_order_placed_event,
    create_product_searched_event,
    create_product_viewed_event,
    create_session_started_event,
)
from business_telemetry.sdk import context as telemetry_context
from business_telemetry.sdk.context import (
    CUSTOMER_FIELDS,
    INFRASTRUCTURE_FIELDS,
    InteractionCounter,
    TelemetryContext,
)
from business_telemetry.sdk.emitters import EmitterMixin
from business_telemetry.sinks.buffered import BaseSink, SinkResult, SinkType
from business_telemetry.sinks.composite import CompositeSink
from business_telemetry.sinks.console import ConsoleSink
from business_telemetry.sinks.file import FileSink
from business_telemetry.sinks.registry import create_sink, create_sink_from_config

logger = logging.getLogger(__name__)

__all__ = [
    "CUSTOMER_FIELDS",
    "INFRASTRUCTURE_FIELDS",
    "AIEvent",
    "AdminEvent",
    "BaseEvent",
    "BaseSink",
    "BusinessTelemetryClient",
    "CompositeSink",
    "ConsoleSink",
    "CustomerEvent",
    "EventHubSink",  # noqa: F822 - resolved lazily by __getattr__
    "EventSource",
    "EventType",
    "FileSink",
    "OneLakeSink",  # noqa: F822 - resolved lazily by __getattr__
    "OrderEvent",
    "ProductEvent",
    "SinkType",
    "TelemetryContext",
    "create_customer_query_event",
    "create_event",
    "create_inventory_updated_event",
    "create_order_placed_event",
    "create_product_searched_event",
    "create_product_viewed_event",
    "create_session_started_event",
    "create_sink_from_config",
    "emit_business_event",
    "get_business_telemetry",
    "init_business_telemetry",
]

_SOURCES = {source.value: source for source in EventSource}


class BusinessTelemetryClient(EmitterMixin):
    """Emit business events; `start()` before, `stop()` after (it flushes what is queued)."""

    _instance: ClassVar[BusinessTelemetryClient | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

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
    def get_instance(cls) -> BusinessTelemetryClient | None:
        """The process's shared client (`from_env()` / `init_business_telemetry()`), if any."""
        return cls._instance

    @classmethod
    def reset_instance(cls) -> None:
        """Forget the shared client (tests; after `stop()` when reconfiguring)."""
        with cls._instance_lock:
            cls._instance = None

    @classmethod
    def from_env(
        cls,
        settings: FabricSettings | None = None,
        default_source: EventSource | str | None = None,
    ) -> BusinessTelemetryClient:
        """The client the `FABRIC_*` variables describe, read through `config` only.

        Without arguments it returns the process's shared client, creating it on the first call,
        as the original did (every module calling `from_env()` shares one sink and flush task).
        With `settings` or `default_source` it builds a separate client each time.
        """
        if settings is None and default_source is None:
            with cls._instance_lock:
                if cls._instance is None:
                    cls._instance = cls._from_settings(get_fabric_settings(), None)
                return cls._instance
        return cls._from_settings(settings or get_fabric_settings(), default_source)

    @classmethod
    def _from_settings(
        cls, settings: FabricSettings, default_source: EventSource | str | None
    ) -> BusinessTelemetryClient:
        # The original took the default source from FABRIC_SERVICE_NAME when it names one.
        source = (
            default_source if default_source is not None else _SOURCES.get(settings.service_name)
        )
        return cls(
            sink=create_sink(settings),
            default_source=source,
            environment=settings.environment,
            service_version=settings.service_version,
            enabled=settings.telemetry_enabled,
            service_name=settings.service_name,
        )

    async def start(self) -> None:
        if not self.enabled:
            logger.info("business telemetry is disabled (FABRIC_TELEMETRY_ENABLED=false)")
            return
        if not self._started:
            await self.sink.start()
            self._started = True

    async def stop(self) -> SinkResult:
        """Flush every queued event (also when `start()` was never called), then close the sink.

        The result says what could not be delivered (see `BaseSink.stop`).
        """
        self._started = False
        if not self.enabled:
            return SinkResult(True, self.sink.sink_type, 0)
        return await self.sink.stop()

    def set_context(
        self,
        session_id: str | None = None,
        user_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Token[TelemetryContext]:
        """Set context for the current task (and tasks it starts); returns a reset token."""
        return telemetry_context.update(
            session_id=session_id, user_id=user_id, correlation_id=correlation_id
        )

    def set_infrastructure_context(
        self,
        agent_id: str | None = None,
        agent_session_id: str | None = None,
        workload_id: str | None = None,
        cluster_id: str | None = None,
        namespace: str | None = None,
        pod_name: str | None = None,
        deployment_name: str | None = None,
    ) -> Token[TelemetryContext]:
        """Fabric-Pulse keys added to the `data` of the current task's events.

        Per task like every context here: set it where the request (or agent session) is handled,
        or before starting the tasks that should carry it.
        """
        values = {
            "agent_id": agent_id,
            "agent_session_id": agent_session_id,
            "workload_id": workload_id,
            "cluster_id": cluster_id,
            "namespace": namespace,
            "pod_name": pod_name,
            "deployment_name": deployment_name,
        }
        return telemetry_context.update(infrastructure=values)

    def set_customer_context(
        self,
        customer_id: str | None = None,
        customer_name: str | None = None,
        customer_email: str | None = None,
        channel: str | None = None,
    ) -> Token[TelemetryContext]:
        """Customer keys added to the `data` of the current task's events (KQL joins)."""
        values = {
            "customer_id": customer_id,
            "customer_name": customer_name,
            "customer_email": customer_email,
            "channel": channel,
        }
        return telemetry_context.update(customer=values)

    def clear_context(self) -> None:
        """Forget session, user and correlation id (customer / infrastructure keys stay)."""
        telemetry_context.clear(correlation=True)

    def clear_customer_context(self) -> None:
        telemetry_context.clear(customer=True)

    def clear_infrastructure_context(self) -> None:
        telemetry_context.clear(infrastructure=True)

    @property
    def context(self) -> TelemetryContext:
        return telemetry_context.current()

    @asynccontextmanager
    async def session_context(
        self,
        session_id: str,
        user_id: str | None = None,
        emit_session_events: bool = True,
    ) -> AsyncIterator[BusinessTelemetryClient]:
        """Scope events to a session; emits started, then ended with duration and count."""
        now = telemetry_context.current()
        counter = InteractionCounter()
        token = telemetry_context.set_current(
            replace(now, session_id=session_id, user_id=user_id or now.user_id, counter=counter)
        )
        started = time.monotonic()
        try:
            if emit_session_events:
                await self.emit_session_started(session_id=session_id, user_id=user_id)
            yield self
        finally:
            try:
                if emit_session_events:
                    await self.emit_session_ended(
                        session_id=session_id,
                        user_id=user_id,
                        duration_ms=int((time.monotonic() - started) * 1000),
                        interaction_count=counter.interactions,
                    )
            finally:
                telemetry_context.reset(token)

    def _enrich(self, event: BaseEvent) -> BaseEvent:
        event = telemetry_context.apply(event)
        event.event_source = event.event_source or self.default_source
        event.environment = event.environment or self.environment
        event.service_name = event.service_name or self.service_name
        event.service_version = event.service_version or self.service_version
        return event

    async def emit(self, event: BaseEvent) -> bool:
        """Queue one event; False when disabled or when the sink's queue stayed full."""
        if not self.enabled:
            return False
        return await self.sink.send(self._enrich(event).to_dict())

    async def emit_batch(self, events: Sequence[BaseEvent]) -> bool:
        """Write events now; True only if every one was delivered.

        On False the undelivered events are kept in the sink's queue and retried with the next
        flush (within the queue's bound; see `BaseSink.send_batch`).
        """
        if not self.enabled:
            return False
        result = await self.sink.send_batch([self._enrich(e).to_dict() for e in events])
        return result.success


def init_business_telemetry(settings: FabricSettings | None = None) -> BusinessTelemetryClient:
    """Create the process's shared client (the original's helper); `get_instance()` returns it."""
    client = BusinessTelemetryClient.from_env(settings)
    with BusinessTelemetryClient._instance_lock:
        BusinessTelemetryClient._instance = client
    return client


def get_business_telemetry() -> BusinessTelemetryClient | None:
    return BusinessTelemetryClient.get_instance()


async def emit_business_event(event: BaseEvent) -> bool:
    """Emit through the shared client; False when none was initialised."""
    client = BusinessTelemetryClient.get_instance()
    return await client.emit(event) if client is not None else False


_LAZY_SINKS = {
    "EventHubSink": "business_telemetry.sinks.eventhub",
    "OneLakeSink": "business_telemetry.sinks.onelake",
}


def __getattr__(name: str) -> Any:
    """`EventHubSink` / `OneLakeSink`, as the original re-exported them, loaded when asked for."""
    if name in _LAZY_SINKS:
        return getattr(importlib.import_module(_LAZY_SINKS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
