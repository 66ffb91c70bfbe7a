"""The original SDK's entry point: `from telemetry_client import BusinessTelemetryClient`.

The client lives in `business_telemetry.sdk.client`; this module keeps the original name and
its names, the Event Hubs and OneLake sinks still loaded only when asked for.
"""

from __future__ import annotations

from typing import Any

from business_telemetry.sdk import client as _client
from business_telemetry.sdk.client import (
    CUSTOMER_FIELDS,
    INFRASTRUCTURE_FIELDS,
    AdminEvent,
    AIEvent,
    BaseEvent,
    BaseSink,
    BusinessTelemetryClient,
    CompositeSink,
    ConsoleSink,
    CustomerEvent,
    EventSource,
    EventType,
    FileSink,
    OrderEvent,
    ProductEvent,
    SinkType,
    TelemetryContext,
    create_customer_query_event,
    create_event,
    create_inventory_updated_event,
    create_order_placed_event,
    create_product_searched_event,
    create_product_viewed_event,
    create_session_started_event,
    create_sink_from_config,
    emit_business_event,
    get_business_telemetry,
    init_business_telemetry,
)
from business_telemetry.sdk.sync import SyncBusinessTelemetryClient

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
    "SyncBusinessTelemetryClient",
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


def __getattr__(name: str) -> Any:
    return getattr(_client, name)
