"""Configuration: every FABRIC_* variable, the original's aliases, errors naming the variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from business_telemetry.sinks.composite import CompositeSink
from business_telemetry.sinks.console import ConsoleSink
from business_telemetry.sinks.file import FileSink
from business_telemetry.sinks.registry import create_sink
from config import (
    FabricSettings,
    ServiceSettings,
    get_fabric_settings,
    get_service_settings,
    is_event_hub_configured,
    reset_settings,
)
from telemetry_client import BusinessTelemetryClient

# variable -> (value in the environment, settings field, expected parsed value)
EVERY_VARIABLE: dict[str, tuple[str, str, Any]] = {
    "FABRIC_TELEMETRY_ENABLED": ("false", "telemetry_enabled", False),
    "FABRIC_ENVIRONMENT": ("staging", "environment", "staging"),
    "FABRIC_SERVICE_NAME": ("store-front", "service_name", "store-front"),
    "FABRIC_SERVICE_VERSION": ("2.3.4", "service_version", "2.3.4"),
    "FABRIC_LOG_LEVEL": ("DEBUG", "log_level", "DEBUG"),
    "FABRIC_SINK_TYPE": ("composite", "sink_type", "composite"),
    "FABRIC_COMPOSITE_SINKS": ("console, FILE", "composite_sinks", "console,file"),
    "FABRIC_BATCH_SIZE": ("250", "batch_size", 250),
    "FABRIC_FLUSH_INTERVAL": ("2.5", "flush_interval_seconds", 2.5),
    "FABRIC_CONSOLE_PRETTY": ("true", "console_pretty", True),
    "FABRIC_OUTPUT_DIR": ("/tmp/bt-out", "output_dir", "/tmp/bt-out"),
    "FABRIC_EVENT_HUB_CONNECTION_STRING": (
        "Endpoint=sb://x/;SharedAccessKey=k",
        "event_hub_connection_string",
        "Endpoint=sb://x/;SharedAccessKey=k",
    ),
    "FABRIC_EVENT_HUB_NAME": ("business-telemetry", "event_hub_name", "business-telemetry"),
    "FABRIC_EVENT_HUB_NAMESPACE": (
        "ns.servicebus.windows.net",
        "event_hub_namespace",
        "ns.servicebus.windows.net",
    ),
    "FABRIC_EVENT_HUB_USE_WEBSOCKETS": ("true", "event_hub_use_websockets", True),
    "FABRIC_USE_MANAGED_IDENTITY": ("true", "use_managed_identity", True),
    "FABRIC_AZURE_CLIENT_ID": ("client-1", "azure_client_id", "client-1"),
    "FABRIC_ONELAKE_WORKSPACE_ID": ("ws-guid", "onelake_workspace_id", "ws-guid"),
    "FABRIC_ONELAKE_LAKEHOUSE_ID": ("lh-guid", "onelake_lakehouse_id", "lh-guid"),
    "FABRIC_ONELAKE_BASE_PATH": ("bt", "onelake_base_path", "bt"),
    "FABRIC_ONELAKE_OUTPUT_FORMAT": ("parquet", "onelake_output_format", "parquet"),
    "FABRIC_ONELAKE_ACCOUNT_URL": (
        "http://127.0.0.1:10000/x",
        "onelake_account_url",
        "http://127.0.0.1:10000/x",
    ),
    "FABRIC_ONELAKE_ACCOUNT_KEY": ("a2V5", "onelake_account_key", "a2V5"),
    "FABRIC_API_HOST": ("127.0.0.1", "api_host", "127.0.0.1"),
    "FABRIC_API_PORT": ("9090", "api_port", 9090),
    "FABRIC_API_KEY": ("k1,k2", "api_key", "k1,k2"),
    "FABRIC_CORS_ORIGINS": (
        "https://a.example,https://b.example",
        "cors_origins",
        "https://a.example,https://b.example",
    ),
    "FABRIC_MAX_BODY_BYTES": ("2048", "max_body_bytes", 2048),
    "FABRIC_MAX_BATCH_EVENTS": ("10", "max_batch_events", 10),
    "FABRIC_MAX_EVENT_BYTES": ("1024", "max_event_bytes", 1024),
    "FABRIC_SPOOL_DIR": ("/tmp/bt-spool", "spool_dir", "/tmp/bt-spool"),
    "FABRIC_SPOOL_MAX_BYTES": ("1048576", "spool_max_bytes", 1048576),
    "FABRIC_SPOOL_HIGH_WATER_BYTES": ("0", "spool_high_water_bytes", 0),
    "FABRIC_SPOOL_SEGMENT_BYTES": ("65536", "spool_segment_bytes", 65536),
    "FABRIC_RETRY_INITIAL_BACKOFF_SECONDS": ("0.5", "retry_initial_backoff_seconds", 0.5),
    "FABRIC_RETRY_MAX_BACKOFF_SECONDS": ("9", "retry_max_backoff_seconds", 9.0),
    "FABRIC_DEDUP_WINDOW": ("77", "dedup_window", 77),
    "FABRIC_SDK_QUEUE_SIZE": ("500", "sdk_queue_size", 500),
    "FABRIC_DRAINER_MODE": ("inline", "drainer_mode", "inline"),
    "FABRIC_DRAINER_PRIORITY": ("low", "drainer_priority", "low"),
    "FABRIC_SDK_ENQUEUE_TIMEOUT_SECONDS": ("0.25", "sdk_enqueue_timeout_seconds", 0.25),
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("FABRIC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(Path(__file__).parent)  # no stray .env file
    reset_settings()
    BusinessTelemetryClient.reset_instance()


def test_the_table_covers_every_setting() -> None:
    assert {field for _, field, _ in EVERY_VARIABLE.values()} == set(FabricSettings.model_fields)


def test_spec_defaults() -> None:
    settings = FabricSettings()
    assert settings.telemetry_enabled is True and settings.sink_type == "console"
    assert settings.environment == "production" and settings.service_name == "business-telemetry"
    assert settings.batch_size == 100 and settings.flush_interval == 5.0
    assert settings.onelake_base_path == "business_telemetry"
    assert settings.onelake_output_format == "jsonl"
    assert settings.onelake_account_url == "https://onelake.blob.fabric.microsoft.com"
    assert settings.api_key_list() == [] and settings.cors_origin_list() == []


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, (value, _, _) in EVERY_VARIABLE.items():
        monkeypatch.setenv(name, value)
    settings = get_fabric_settings()
    for name, (_, field, expected) in EVERY_VARIABLE.items():
        actual = getattr(settings, field)
        if isinstance(actual, SecretStr):
            actual = actual.get_secret_value()
        assert actual == expected, name
    assert settings.api_key_list() == ["k1", "k2"]
    assert is_event_hub_configured()


def test_from_env_builds_the_client_the_variables_describe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {
        "FABRIC_SINK_TYPE": "composite",
        "FABRIC_COMPOSITE_SINKS": "console,file",
        "FABRIC_OUTPUT_DIR": str(tmp_path),
        "FABRIC_BATCH_SIZE": "7",
        "FABRIC_FLUSH_INTERVAL": "3",
        "FABRIC_ENVIRONMENT": "qa",
        "FABRIC_SERVICE_VERSION": "9.9",
        "FABRIC_SERVICE_NAME": "admin-agent",
        "FABRIC_TELEMETRY_ENABLED": "false",
        "FABRIC_CONSOLE_PRETTY": "true",
        "FABRIC_SDK_QUEUE_SIZE": "70",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = BusinessTelemetryClient.from_env()
    assert (client.environment, client.service_version, client.service_name) == (
        "qa",
        "9.9",
        "admin-agent",
    )
    assert client.enabled is False and client.default_source == "admin-agent"
    assert isinstance(client.sink, CompositeSink)
    console, file = client.sink.sinks
    assert isinstance(console, ConsoleSink) and console.pretty_print is True
    assert isinstance(file, FileSink) and file.output_dir == tmp_path
    assert file.batch_size == 7 and file.flush_interval == 3.0 and file.max_queue_size == 70


@pytest.mark.parametrize("alias", ["FABRIC_FLUSH_INTERVAL_SECONDS"])
def test_flush_interval_alias(monkeypatch: pytest.MonkeyPatch, alias: str) -> None:
    monkeypatch.setenv(alias, "1.5")
    assert FabricSettings().flush_interval == 1.5


def test_output_dir_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FABRIC_FILE_OUTPUT_DIR", "/tmp/legacy")
    assert FabricSettings().output_dir == "/tmp/legacy" == FabricSettings().file_output_dir


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FABRIC_SINK_TYPE", "kafka"),
        ("FABRIC_BATCH_SIZE", "0"),
        ("FABRIC_COMPOSITE_SINKS", "console,kafka"),
        ("FABRIC_ONELAKE_OUTPUT_FORMAT", "csv"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        FabricSettings()
    assert name.removeprefix("FABRIC_").lower() in str(info.value).lower()


def test_secrets_are_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FABRIC_API_KEY", "super-secret-key")
    monkeypatch.setenv("FABRIC_EVENT_HUB_CONNECTION_STRING", "Endpoint=sb://x;SharedAccessKey=s3")
    text = repr(FabricSettings())
    assert "super-secret-key" not in text and "s3" not in text


def test_env_example_lists_every_variable_with_its_default() -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    values = dict(
        line.split("=", 1)
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(values) == set(EVERY_VARIABLE)
    settings = FabricSettings.model_validate(
        {EVERY_VARIABLE[name][1]: value for name, value in values.items() if value}
    )
    defaults = FabricSettings.model_validate({})  # the defaults, validated (paths made absolute)
    for name, (_, field, _) in EVERY_VARIABLE.items():
        assert getattr(settings, field) == getattr(defaults, field), name


def test_a_composite_child_listed_twice_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FABRIC_SINK_TYPE", "composite")
    monkeypatch.setenv("FABRIC_COMPOSITE_SINKS", "file,console,file")
    with pytest.raises(ValidationError, match=r"FABRIC_COMPOSITE_SINKS lists file more than once"):
        FabricSettings()


HUB = {
    "sink_type": "eventhub",
    "event_hub_connection_string": "Endpoint=sb://ns.servicebus.windows.net/;"
    "SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0",
    "event_hub_name": "hub",
    "event_hub_namespace": "ns.servicebus.windows.net",
    "azure_client_id": "client-1",
}


async def test_managed_identity_makes_event_hubs_use_the_azure_identity() -> None:
    from business_telemetry.sinks.eventhub import EventHubSink

    keyed = create_sink(FabricSettings.model_validate(HUB))
    assert isinstance(keyed, EventHubSink) and keyed._connection_string is not None
    sink = create_sink(FabricSettings.model_validate({**HUB, "use_managed_identity": True}))
    assert isinstance(sink, EventHubSink) and sink._connection_string is None
    sink._create_client()  # builds the client and its credential; nothing connects yet
    try:
        assert type(sink._credential).__name__ == "DefaultAzureCredential"
        assert sink._managed_identity_client_id == "client-1"
    finally:
        await sink.close()
    with pytest.raises(ValueError, match="FABRIC_EVENT_HUB_NAMESPACE"):
        create_sink(
            FabricSettings.model_validate(
                {**HUB, "event_hub_namespace": None, "use_managed_identity": True}
            )
        )


def test_managed_identity_makes_onelake_ignore_the_account_key() -> None:
    from business_telemetry.sinks.onelake import OneLakeSink

    lake = {
        "sink_type": "onelake",
        "onelake_workspace_id": "ws",
        "onelake_lakehouse_id": "lh",
        "onelake_account_key": "a2V5",
        "azure_client_id": "client-1",
    }
    keyed = create_sink(FabricSettings.model_validate(lake))
    assert isinstance(keyed, OneLakeSink) and keyed._account_key == "a2V5"
    sink = create_sink(FabricSettings.model_validate({**lake, "use_managed_identity": True}))
    assert isinstance(sink, OneLakeSink) and sink._account_key is None
    assert sink._managed_identity_client_id == "client-1"


def test_event_hub_is_configured_only_with_what_managed_identity_uses() -> None:
    no_namespace = {**HUB, "event_hub_namespace": None}
    assert FabricSettings.model_validate(no_namespace).is_event_hub_configured()
    assert not FabricSettings.model_validate(
        {**no_namespace, "use_managed_identity": True}
    ).is_event_hub_configured()
    assert FabricSettings.model_validate(
        {**HUB, "use_managed_identity": True}
    ).is_event_hub_configured()


def test_the_original_service_settings_and_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_RATE_LIMIT_REQUESTS", "5")
    monkeypatch.setenv("SERVICE_METRICS_PATH", "/m")
    settings = get_service_settings()
    assert isinstance(settings, ServiceSettings) and settings is get_service_settings()
    assert (settings.rate_limit_requests, settings.metrics_path) == (5, "/m")
    assert settings.service_name == "business-telemetry-service"
    reset_settings()
    assert get_service_settings() is not settings
    origins = FabricSettings(cors_origins="https://a.example, https://b.example")
    assert origins.get_cors_origins_list() == ["https://a.example", "https://b.example"]
