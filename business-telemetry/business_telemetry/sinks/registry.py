"""`FABRIC_SINK_TYPE` → sink factory. Cloud sinks are imported only when chosen."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

from business_telemetry.config import FabricSettings
from business_telemetry.sinks.buffered import BaseSink
from business_telemetry.sinks.composite import CompositeSink
from business_telemetry.sinks.console import ConsoleSink
from business_telemetry.sinks.file import FileSink

SinkFactory = Callable[[FabricSettings], BaseSink]
logger = logging.getLogger(__name__)


def _console(settings: FabricSettings) -> BaseSink:
    return ConsoleSink(
        pretty_print=settings.console_pretty,
        batch_size=settings.batch_size,
        flush_interval_seconds=settings.flush_interval_seconds,
        max_queue_size=settings.sdk_queue_size,
        enqueue_timeout_seconds=settings.sdk_enqueue_timeout_seconds,
    )


def _file(settings: FabricSettings) -> BaseSink:
    return FileSink(
        output_dir=settings.output_dir,
        batch_size=settings.batch_size,
        flush_interval_seconds=settings.flush_interval_seconds,
        max_queue_size=settings.sdk_queue_size,
        enqueue_timeout_seconds=settings.sdk_enqueue_timeout_seconds,
    )


def _eventhub(settings: FabricSettings) -> BaseSink:
    from business_telemetry.sinks.eventhub import EventHubSink  # lazy: azure SDK only when chosen

    if settings.use_managed_identity:
        if not settings.event_hub_namespace:
            raise ValueError(
                "FABRIC_USE_MANAGED_IDENTITY=true needs FABRIC_EVENT_HUB_NAMESPACE "
                "(the connection string is not used with managed identity)"
            )
        settings = _without_secret(settings, "event_hub_connection_string")
    sink: BaseSink = EventHubSink.from_settings(settings)
    return sink


def _onelake(settings: FabricSettings) -> BaseSink:
    from business_telemetry.sinks.onelake import OneLakeSink  # lazy: azure SDK only when chosen

    if settings.use_managed_identity:
        settings = _without_secret(settings, "onelake_account_key")
    sink: BaseSink = OneLakeSink.from_settings(settings)
    return sink


def _without_secret(settings: FabricSettings, field: str) -> FabricSettings:
    """`FABRIC_USE_MANAGED_IDENTITY=true`: authenticate with the Azure identity
    (`DefaultAzureCredential`, pinned to `FABRIC_AZURE_CLIENT_ID` when set), never a key."""
    if getattr(settings, field) is not None:
        logger.warning(
            "FABRIC_USE_MANAGED_IDENTITY=true: ignoring FABRIC_%s, using the Azure identity",
            field.upper(),
        )
    return settings.model_copy(update={field: None})


SINK_FACTORIES: dict[str, SinkFactory] = {
    "console": _console,
    "file": _file,
    "eventhub": _eventhub,
    "onelake": _onelake,
}


def register_sink(sink_type: str, factory: SinkFactory) -> None:
    """Add or replace a sink type (e.g. a test double built on a real local peer)."""
    SINK_FACTORIES[sink_type] = factory


def create_sink(settings: FabricSettings) -> BaseSink:
    """The sink `settings.sink_type` names; `composite` fans out to `FABRIC_COMPOSITE_SINKS`."""
    if settings.sink_type == "composite":
        children = [SINK_FACTORIES[name](settings) for name in settings.composite_sink_list()]
        return CompositeSink(children)
    try:
        factory = SINK_FACTORIES[settings.sink_type]
    except KeyError:
        raise ValueError(f"FABRIC_SINK_TYPE {settings.sink_type!r} is not a known sink") from None
    return factory(settings)


_RENAMED_KEYS = {
    "flush_interval": "flush_interval_seconds",
    "namespace": "fully_qualified_namespace",
}
# The original `create_sink_from_config` defaults, where they differ from the constructors'.
_ORIGINAL_DEFAULTS: dict[str, dict[str, Any]] = {
    "console": {"pretty_print": True, "batch_size": 1, "flush_interval_seconds": 0.1},
    "file": {"batch_size": 100, "flush_interval_seconds": 10.0},
    "eventhub": {"batch_size": 100, "flush_interval_seconds": 5.0},
    "onelake": {"batch_size": 1000, "flush_interval_seconds": 60.0},
}


def _sink_class(sink_type: str) -> type[BaseSink]:
    if sink_type == "eventhub":
        from business_telemetry.sinks.eventhub import EventHubSink

        return EventHubSink
    if sink_type == "onelake":
        from business_telemetry.sinks.onelake import OneLakeSink

        return OneLakeSink
    return {"console": ConsoleSink, "file": FileSink}[sink_type]


def constructor_keywords(cls: type[BaseSink]) -> frozenset[str]:
    """Every keyword `cls(...)` takes, its buffer options (`max_queue_size`, ...) included."""
    names: set[str] = set()
    for klass in (cls, BaseSink):
        for name, param in inspect.signature(klass.__init__).parameters.items():
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                names.add(name)
    return frozenset(names - {"self", "sink_type"})


def create_sink_from_config(config: Mapping[str, Any]) -> BaseSink:
    """The original SDK's factory: `{"type": "file", "output_dir": ...}` and so on.

    Every other key is a keyword of that sink's constructor, passed through as is (`credential`,
    `account_name`, `fully_qualified_namespace`, buffer options, ...); the original's
    `flush_interval` and `namespace` spellings are accepted, and its defaults kept. An unknown key
    is a ValueError naming it. `composite` takes `{"type": "composite", "sinks": [config, ...],
    "fail_fast": bool}`; children of one type get distinct names (`file`, `file#2`).
    """
    sink_type = str(config.get("type", "console")).lower()
    if sink_type == "composite":
        children = [create_sink_from_config(child) for child in config.get("sinks", [])]
        return CompositeSink(children, fail_fast=bool(config.get("fail_fast", False)))
    if sink_type not in _ORIGINAL_DEFAULTS:
        raise ValueError(f"Unknown sink type: {sink_type}")
    cls = _sink_class(sink_type)
    given = {_RENAMED_KEYS.get(k, k): v for k, v in config.items() if k != "type"}
    unknown = sorted(set(given) - constructor_keywords(cls))
    if unknown:
        raise ValueError(
            f"{sink_type} sink config has unknown keys {unknown}; "
            f"accepted: {sorted(constructor_keywords(cls))}"
        )
    return cls(**{**_ORIGINAL_DEFAULTS[sink_type], **given})
