"""One settings class for every BI process, read from the environment and `backend/.env`.

Variable names and defaults are exactly those of the product docs' Configuration Reference; the
few settings the docs do not name (service URLs, demo warehouse folder, job switches) are ours and
documented in the README. A bad value stops start-up with one message naming the variable and the
fix (`load_settings_or_exit`), never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

BACKEND_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = BACKEND_DIR.parent
ENV_FILE = BACKEND_DIR / ".env"

MIN_INTERNAL_SECRET_BYTES = 32
ServiceName = Literal["api-gateway", "aw-service", "wwi-service"]
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
POSTGRES_URL_EXAMPLE = "postgresql://user:password@host:5432/dbname"
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
ISSUER_REQUIRED = (
    "REQUIRE_FRONTEND_AUTH=true needs FRONTEND_JWT_ISSUER_URL: set FRONTEND_JWT_ISSUER_URL to the "
    "issuer (the `iss` of your provider's tokens, always checked); FRONTEND_JWT_JWKS_URL then only "
    "skips discovery. Or set REQUIRE_FRONTEND_AUTH=false for local development only"
)
SECRET_FIX = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105


class ConfigError(Exception):
    """Configuration that cannot work; each problem names its variable and the fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def render(self) -> str:
        lines = ["otel-bi: invalid configuration:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class Settings(BaseSettings):
    """Every setting of the BI platform; field `x_y` is environment variable `X_Y`."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    # Database
    aw_mssql_server: str | None = None
    aw_mssql_database: str = "AdventureWorksDW2022"
    aw_mssql_username: str | None = None
    aw_mssql_password: SecretStr | None = None
    wwi_mssql_server: str | None = None
    wwi_mssql_database: str = "WideWorldImportersDW"
    wwi_mssql_username: str | None = None
    wwi_mssql_password: SecretStr | None = None
    mssql_trust_server_certificate: bool = False
    postgres_url: SecretStr | None = None
    postgres_sslmode: str = "prefer"

    # Security
    require_frontend_auth: bool = True
    frontend_jwt_issuer_url: str | None = None
    frontend_jwt_jwks_url: str | None = None
    frontend_jwt_audience: str | None = None
    frontend_required_scopes: str = ""
    internal_service_shared_secret: SecretStr | None = None
    internal_service_allowed_issuers: Annotated[list[str], NoDecode] = ["api-gateway"]

    # OIDC, served to the frontend by GET /api/config
    oidc_enabled: bool = False
    oidc_authority: str = ""
    frontend_oidc_client_id: str = ""
    frontend_oidc_scope: str = "openid profile email"
    # Grafana/Tempo trace link for the frontend's tiles; `{trace_id}` is replaced (else appended)
    tempo_url: str = ""

    # Analytics
    default_history_days: int = Field(365, ge=1, le=3660)
    forecast_horizon_days: int = Field(30, ge=1, le=365)
    ranking_default_top_n: int = Field(10, ge=1, le=1000)
    storage_default_limit: int = Field(100, ge=1, le=10000)

    # Reports / exports
    report_output_dir: Path = Path("/tmp/otel-bi-reports")  # noqa: S108 - documented default

    # Observability
    otel_exporter_otlp_endpoint: str = "http://localhost:4318"
    otel_service_name: str | None = None
    log_level: str = "INFO"

    # Ours (not in the product docs; documented in the README)
    demo_warehouse_dir: Path = REPO_DIR / "var" / "demo"
    aw_service_url: str = "http://127.0.0.1:8001"
    wwi_service_url: str = "http://127.0.0.1:8002"
    upstream_connect_timeout_seconds: float = Field(3.0, gt=0, le=60)
    upstream_read_timeout_seconds: float = Field(30.0, gt=0, le=600)
    internal_token_ttl_seconds: int = Field(60, ge=5, le=60)
    jobs_enabled: bool = True
    jobs_startup_delay_seconds: float = Field(5.0, ge=0, le=3600)
    cors_allowed_origins: Annotated[list[str], NoDecode] = []

    @field_validator("internal_service_allowed_issuers", "cors_allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("internal_service_shared_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_INTERNAL_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_INTERNAL_SECRET_BYTES} bytes; {SECRET_FIX}")
        return value

    @field_validator("postgres_url")
    @classmethod
    def _postgres_url_parses(cls, value: SecretStr | None) -> SecretStr | None:
        """A PostgreSQL URL whose only query parameter, if any, is libpq's `sslmode`.

        SQLAlchemy hands every query parameter to `asyncpg.connect` as a keyword, which knows
        none of libpq's (`sslmode`, `sslrootcert`, `application_name`...): without this check such
        a URL passes start-up and fails at the first connection with a TypeError.
        """
        if value is None or not value.get_secret_value():
            return None
        try:
            url = make_url(value.get_secret_value())
        except ArgumentError:
            raise ValueError(f"is not a URL; expected {POSTGRES_URL_EXAMPLE}") from None
        if url.get_backend_name() not in ("postgresql", "postgres") or not url.database:
            raise ValueError(
                f"must be a PostgreSQL URL with a database name, e.g. {POSTGRES_URL_EXAMPLE}"
            )
        unsupported = sorted(set(url.query) - {"sslmode"})
        if unsupported:
            raise ValueError(
                f"has query parameter(s) {', '.join(unsupported)} that the asyncpg driver cannot "
                "take; remove them (only ?sslmode= is understood, POSTGRES_SSLMODE sets it too)"
            )
        sslmode = url.query.get("sslmode")
        if sslmode is not None and sslmode not in SSL_MODES:
            raise ValueError(f"has sslmode={sslmode!s}; it must be one of {', '.join(SSL_MODES)}")
        return value

    @field_validator("postgres_sslmode")
    @classmethod
    def _known_sslmode(cls, value: str) -> str:
        if value not in SSL_MODES:
            raise ValueError(f"must be one of {', '.join(SSL_MODES)}")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator(
        "frontend_jwt_issuer_url",
        "frontend_jwt_jwks_url",
        "otel_exporter_otlp_endpoint",
        "aw_service_url",
        "wwi_service_url",
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None if value is None else value
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_sslmode(self) -> Settings:
        """`?sslmode=` in POSTGRES_URL wins over the default; two different explicit modes clash."""
        url_mode = self._url_sslmode()
        explicit = "postgres_sslmode" in self.model_fields_set
        if url_mode is not None and explicit and url_mode != self.postgres_sslmode:
            raise ValueError(
                f"POSTGRES_URL has sslmode={url_mode} but "
                f"POSTGRES_SSLMODE={self.postgres_sslmode}: set the mode in one place "
                "(remove ?sslmode= from the URL or unset POSTGRES_SSLMODE)"
            )
        return self

    def _url_sslmode(self) -> str | None:
        if self.postgres_url is None:
            return None
        mode = make_url(self.postgres_url.get_secret_value()).query.get("sslmode")
        return None if mode is None else str(mode)

    @property
    def effective_postgres_sslmode(self) -> str:
        """The mode connections use: `?sslmode=` from POSTGRES_URL, else POSTGRES_SSLMODE."""
        return self._url_sslmode() or self.postgres_sslmode

    @property
    def required_scopes(self) -> frozenset[str]:
        return frozenset(self.frontend_required_scopes.split())

    def postgres_async_url(self) -> URL | None:
        """The write store URL with the asyncpg driver and no query, or None when unset.

        The only query parameter allowed, `sslmode`, travels as the `ssl` connect argument
        (`effective_postgres_sslmode`); asyncpg would refuse it as a keyword.
        """
        if self.postgres_url is None:
            return None
        url = make_url(self.postgres_url.get_secret_value())
        return url.set(drivername="postgresql+asyncpg", query={})

    def problems_for(self, service: ServiceName) -> list[str]:
        """Cross-setting checks that depend on which process is starting."""
        problems: list[str] = []
        if self.internal_service_shared_secret is None:
            problems.append(
                "INTERNAL_SERVICE_SHARED_SECRET is not set: the gateway signs and the services "
                f"verify internal tokens with it; {SECRET_FIX}"
            )
        if self.postgres_url is None:
            problems.append(
                f"POSTGRES_URL is not set: set it to {POSTGRES_URL_EXAMPLE} "
                "(`make up` starts a throwaway PostgreSQL for you)"
            )
        if service == "api-gateway" and self.require_frontend_auth:
            if not self.frontend_jwt_issuer_url:
                problems.append(ISSUER_REQUIRED)
            if not self.frontend_jwt_audience:
                problems.append(
                    "REQUIRE_FRONTEND_AUTH=true needs FRONTEND_JWT_AUDIENCE: the `aud` your "
                    "provider puts in access tokens for this API"
                )
        if self.oidc_enabled and not (self.oidc_authority and self.frontend_oidc_client_id):
            problems.append(
                "OIDC_ENABLED=true needs OIDC_AUTHORITY and FRONTEND_OIDC_CLIENT_ID "
                "for the frontend"
            )
        return problems


def _describe(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        variable = "_".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        # Cross-field checks have no location; their message names the variables itself.
        problems.append(f"{variable} {message}" if variable else message)
    return problems


def build_settings(service: ServiceName | None = None, **overrides: object) -> Settings:
    """Read and check settings; raise `ConfigError` naming every bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    if service is not None:
        problems = settings.problems_for(service)
        if problems:
            raise ConfigError(problems)
    return settings


def load_settings_or_exit(service: ServiceName) -> Settings:
    """Settings for a starting process; on a bad value print the fix and exit 2, no traceback."""
    try:
        return build_settings(service)
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        raise SystemExit(2) from None
