"""The original SDK's sink module: same names, durable and bounded behaviour behind them.

`EventHubSink` and `OneLakeSink` are resolved lazily (module `__getattr__`), so importing this
module never needs the Azure SDKs and works while those sinks are not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from sinks.base import (
    BaseSink,
    Envelope,
    PermanentSinkError,
    RetryableSinkError,
    Sink,
    SinkError,
    SinkResult,
    SinkType,
)
from sinks.composite import CompositeSink
from sinks.console import ConsoleSink
from sinks.file import FileSink
from sinks.registry import SINK_FACTORIES, create_sink, create_sink_from_config, register_sink

_LAZY = {"EventHubSink": "sinks.eventhub", "OneLakeSink": "sinks.onelake"}

__all__ = [
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
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
