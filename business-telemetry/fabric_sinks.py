"""The original SDK's sink module: same names, durable and bounded behaviour behind them.

`EventHubSink` and `OneLakeSink` are resolved lazily (module `__getattr__`), so importing this
module never needs the Azure SDKs and works while those sinks are not installed. The original
also exposed its optional Azure imports (`EventHubProducerClient`, `EventData`, `TransportType`,
`DataLakeServiceClient`, None when the package is missing) and flags saying whether they were
installed; those are resolved the same way.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from business_telemetry.sinks.base import (
    Envelope,
    PermanentSinkError,
    RetryableSinkError,
    Sink,
    SinkError,
)
from business_telemetry.sinks.buffered import BaseSink, SinkResult, SinkType
from business_telemetry.sinks.composite import CompositeSink
from business_telemetry.sinks.console import ConsoleSink
from business_telemetry.sinks.file import FileSink
from business_telemetry.sinks.registry import (
    SINK_FACTORIES,
    create_sink,
    create_sink_from_config,
    register_sink,
)

_LAZY = {
    "EventHubSink": "business_telemetry.sinks.eventhub",
    "OneLakeSink": "business_telemetry.sinks.onelake",
}
_AZURE = {
    "EventHubProducerClient": "azure.eventhub.aio",
    "EventData": "azure.eventhub",
    "TransportType": "azure.eventhub",
    "DataLakeServiceClient": "azure.storage.filedatalake.aio",
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


EVENTHUB_AVAILABLE = _installed("azure.eventhub")
ONELAKE_AVAILABLE = _installed("azure.storage.blob")
"""Whether the Event Hubs / OneLake sinks can be used (OneLake goes through the Blob API)."""

__all__ = [
    "EVENTHUB_AVAILABLE",
    "ONELAKE_AVAILABLE",
    "SINK_FACTORIES",
    "BaseSink",
    "CompositeSink",
    "ConsoleSink",
    "Envelope",
    "EventHubSink",  # noqa: F822 - resolved lazily by __getattr__
    "FileSink",
    "OneLakeSink",  # noqa: F822 - resolved lazily by __getattr__
    "PermanentSinkError",
    "RetryableSinkError",
    "Sink",
    "SinkError",
    "SinkResult",
    "SinkType",
    "create_sink",
    "create_sink_from_config",
    "register_sink",
]


def __getattr__(name: str) -> Any:
    if name in _AZURE:
        try:
            return getattr(importlib.import_module(_AZURE[name]), name)
        except ImportError:
            return None  # as the original: the optional package is not installed
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
