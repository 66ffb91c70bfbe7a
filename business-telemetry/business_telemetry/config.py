"""Settings of the telemetry service and SDK: every `FABRIC_*` variable, read once, validated.

Variable names are exactly those of the spec's tables; the original SDK's second spellings
(`FABRIC_FLUSH_INTERVAL_SECONDS`, `FABRIC_FILE_OUTPUT_DIR`) are accepted as aliases so that no
deployment has to change, but there is one field per setting and one place that reads them.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SinkName = Literal["eventhub", "onelake", "console", "file", "composite"]
KNOWN_SINKS = ("eventhub", "onelake", "console", "file")


_SOURCES = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", case_sensitive=False, extra="ignore"
)
"""Where both settings classes read from: the environment, then a `.env` file."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class FabricSettings(BaseSettings):
    """All configuration; construct directly in tests (`FabricSettings(sink_type="file")`)."""

    model_config = SettingsConfigDict(env_prefix="FABRIC_", populate_by_name=True, **_SOURCES)

    telemetry_enabled: bool = True
    environment: str = "production"
    service_name: str = "business-telemetry"
    service_version: str = "1.0.0"
    log_level: str = "INFO"

    sink_type: SinkName = "console"
    composite_sinks: str = Field(
        default="console",
        description="Comma-separated child sinks when FABRIC_SINK_TYPE=composite",
    )
    batch_size: int = Field(default=100, ge=1, le=10_000)
    flush_interval_seconds: float = Field(
        default=5.0,
        ge=0.01,
        le=3600.0,
        validation_alias=_env("FABRIC_FLUSH_INTERVAL", "FABRIC_FLUSH_INTERVAL_SECONDS"),
    )

    # Console and file sinks
    console_pretty: bool = False
    output_dir: str = Field(
        default="./business_telemetry_output",
        validate_default=True,  # made absolute (see `_absolute_path`), the default too
        validation_alias=_env("FABRIC_OUTPUT_DIR", "FABRIC_FILE_OUTPUT_DIR"),
    )

    # Event Hubs
    event_hub_connection_string: SecretStr | None = None
    event_hub_name: str | None = None
    event_hub_namespace: str | None = None
    event_hub_use_websockets: bool = False
    use_managed_identity: bool = Field(
        default=False,
        description="Event Hubs / OneLake authenticate with the Azure identity "
        "(DefaultAzureCredential: workload or managed identity) and ignore the connection "
        "string / account key; Event Hubs then needs FABRIC_EVENT_HUB_NAMESPACE",
    )
    azure_client_id: str | None = Field(
        default=None, description="Client id of a user-assigned managed / workload identity"
    )

    # OneLake
    onelake_workspace_id: str | None = None
    onelake_lakehouse_id: str | None = None
    onelake_base_path: str = "business_telemetry"
    onelake_output_format: Literal["jsonl", "parquet", "delta"] = "jsonl"
    onelake_account_url: str = "https://onelake.blob.fabric.microsoft.com"
    onelake_account_key: SecretStr | None = None

    # HTTP API
    api_host: str = "0.0.0.0"
    api_port: int = Field(default=8080, ge=1, le=65535)
    api_key: SecretStr | None = Field(
        default=None, description="Comma-separated accepted X-API-Key values (rotation)"
    )
    cors_origins: str = Field(default="", description="Comma-separated allowed origins")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    max_event_bytes: int = Field(default=64 * 1024, ge=256)

    # Durable spool
    spool_dir: str = Field(default="./business_telemetry_spool", validate_default=True)
    spool_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=64 * 1024)
    spool_high_water_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="While more than this is spooled but undelivered and the sinks are healthy,"
        " ingestion requests wait (up to 2 s each) for the drainer: flow control; 0 turns it off",
    )
    spool_segment_bytes: int = Field(default=8 * 1024 * 1024, ge=4096)
    retry_initial_backoff_seconds: float = Field(default=0.2, gt=0)
    retry_max_backoff_seconds: float = Field(default=30.0, gt=0)
    dedup_window: int = Field(default=100_000, ge=0)
    drainer_mode: Literal["process", "inline"] = Field(
        default="process",
        description="Drain the spool in a child process (another core) or in the worker",
    )
    drainer_priority: Literal["idle", "low", "normal"] = Field(
        default="normal",
        description=(
            "CPU priority of the drainer process: `normal` as the worker (delivery keeps pace"
            " on a busy machine), `low` at niceness 10, `idle` only on otherwise idle CPU"
            " (Linux SCHED_IDLE: the fastest acknowledgements, but other work starves delivery)"
        ),
    )

    # SDK in-memory queue
    sdk_queue_size: int = Field(default=10_000, ge=1)
    sdk_enqueue_timeout_seconds: float = Field(default=1.0, ge=0)

    @field_validator("spool_dir", "output_dir")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        """A relative folder means one place for the whole service: resolved here, once, against
        the working directory of the process the user started; children get it absolute."""
        return os.path.abspath(os.path.expanduser(value))

    @field_validator("composite_sinks")
    @classmethod
    def _known_children(cls, value: str) -> str:
        names = [part.strip().lower() for part in value.split(",") if part.strip()]
        unknown = [name for name in names if name not in KNOWN_SINKS]
        if unknown or not names:
            raise ValueError(
                f"FABRIC_COMPOSITE_SINKS must list sinks among {', '.join(KNOWN_SINKS)}; "
                f"got {value!r}"
            )
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            # Every child of one type is built from the same variables (same folder, same hub),
            # so a repeat could only deliver each event twice to the same place.
            raise ValueError(
                f"FABRIC_COMPOSITE_SINKS lists {', '.join(repeated)} more than once ({value!r}); "
                "each sink type can appear once"
            )
        return ",".join(names)

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_urls(cls, value: str) -> str:
        for origin in (part.strip() for part in value.split(",")):
            if origin and origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"FABRIC_CORS_ORIGINS entry {origin!r} must start with http(s)://")
        return value

    @property
    def flush_interval(self) -> float:
        """Seconds between flushes (`FABRIC_FLUSH_INTERVAL`)."""
        return self.flush_interval_seconds

    @property
    def file_output_dir(self) -> str:
        """The original SDK's name for `output_dir`."""
        return self.output_dir

    def composite_sink_list(self) -> list[str]:
        return self.composite_sinks.split(",")

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def get_cors_origins_list(self) -> list[str]:
        """The original's name for `cors_origin_list()`."""
        return self.cors_origin_list()

    def api_key_list(self) -> list[str]:
        """Accepted API keys; empty means ingestion auth is off."""
        if self.api_key is None:
            return []
        return [k.strip() for k in self.api_key.get_secret_value().split(",") if k.strip()]

    def is_event_hub_configured(self) -> bool:
        """A hub name plus a connection string or a namespace; with managed identity, the
        namespace (the connection string is then not used)."""
        if self.use_managed_identity:
            return bool(self.event_hub_name and self.event_hub_namespace)
        return bool(
            self.event_hub_name and (self.event_hub_connection_string or self.event_hub_namespace)
        )

    def is_onelake_configured(self) -> bool:
        return bool(self.onelake_workspace_id and self.onelake_lakehouse_id)


@lru_cache(maxsize=1)
def get_fabric_settings() -> FabricSettings:
    """The process's settings, read from the environment once."""
    return FabricSettings()


class ServiceSettings(BaseSettings):
    """The original's `SERVICE_*` settings, kept so code importing them still runs.

    Only for compatibility: the service does not read them. Its routes are fixed (`/health`,
    `/ready`, `/metrics`, always on) and it has no rate limiter (ingestion is bounded by
    `FABRIC_MAX_*` and the spool cap instead); its name and version are `FABRIC_SERVICE_*`.
    """

    model_config = SettingsConfigDict(env_prefix="SERVICE_", **_SOURCES)

    service_name: str = "business-telemetry-service"
    service_version: str = "1.0.0"
    health_check_path: str = "/health"
    ready_check_path: str = "/ready"
    metrics_enabled: bool = True
    metrics_path: str = "/metrics"
    rate_limit_enabled: bool = True
    rate_limit_requests: int = 1000
    rate_limit_window_seconds: int = 60


@lru_cache(maxsize=1)
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()


def reset_settings() -> None:
    """Forget the cached settings so the next `get_*_settings()` re-reads the environment."""
    get_fabric_settings.cache_clear()
    get_service_settings.cache_clear()


def is_event_hub_configured() -> bool:
    return get_fabric_settings().is_event_hub_configured()


def is_onelake_configured() -> bool:
    return get_fabric_settings().is_onelake_configured()
