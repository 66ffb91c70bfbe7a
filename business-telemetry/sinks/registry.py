"""`FABRIC_SINK_TYPE` → sink factory. Cloud sinks are imported only when chosen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from config import FabricSettings
from sinks.base import BaseSink
from sinks.composite import CompositeSink
from sinks.console import ConsoleSink
from sinks.file import FileSink

SinkFactory = Callable[[FabricSettings], BaseSink]


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
    from sinks.eventhub import EventHubSink  # lazy: azure SDK only when chosen

    sink: BaseSink = EventHubSink.from_settings(settings)
    return sink


def _onelake(settings: FabricSettings) -> BaseSink:
    from sinks.onelake import OneLakeSink  # lazy: azure SDK only when chosen

    sink: BaseSink = OneLakeSink.from_settings(settings)
    return sink


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


_CONFIG_KEYS = {
    "connection_string": "event_hub_connection_string",
    "event_hub_name": "event_hub_name",
    "fully_qualified_namespace": "event_hub_namespace",
    "namespace": "event_hub_namespace",
    "use_websockets": "event_hub_use_websockets",
    "workspace_id": "onelake_workspace_id",
    "lakehouse_id": "onelake_lakehouse_id",
    "base_path": "onelake_base_path",
    "output_format": "onelake_output_format",
    "account_url": "onelake_account_url",
    "account_key": "onelake_account_key",
    "output_dir": "output_dir",
    "batch_size": "batch_size",
    "flush_interval": "flush_interval_seconds",
    "flush_interval_seconds": "flush_interval_seconds",
}


def create_sink_from_config(config: Mapping[str, Any]) -> BaseSink:
    """The original SDK's factory: `{"type": "file", "output_dir": ...}` and so on.

    Console and file take the original constructor keywords and defaults; `eventhub` / `onelake`
    map the original keys onto `FabricSettings` and use the sinks' `from_settings`; `composite`
    takes `{"type": "composite", "sinks": [config, ...], "fail_fast": bool}`.
    """
    sink_type = str(config.get("type", "console")).lower()
    if sink_type == "console":
        return ConsoleSink(
            pretty_print=bool(config.get("pretty_print", True)),
            batch_size=int(config.get("batch_size", 1)),
            flush_interval_seconds=float(config.get("flush_interval", 0.1)),
        )
    if sink_type == "file":
        return FileSink(
            output_dir=str(config.get("output_dir", "./business_telemetry_output")),
            partition_by_type=bool(config.get("partition_by_type", True)),
            partition_by_date=bool(config.get("partition_by_date", True)),
            batch_size=int(config.get("batch_size", 100)),
            flush_interval_seconds=float(config.get("flush_interval", 10.0)),
        )
    if sink_type == "composite":
        children = [create_sink_from_config(child) for child in config.get("sinks", [])]
        return CompositeSink(children, fail_fast=bool(config.get("fail_fast", False)))
    if sink_type in ("eventhub", "onelake"):
        values = {_CONFIG_KEYS[k]: v for k, v in config.items() if k in _CONFIG_KEYS}
        settings = FabricSettings.model_validate({"sink_type": sink_type, **values})
        return SINK_FACTORIES[sink_type](settings)
    raise ValueError(f"Unknown sink type: {sink_type}")
