"""Settings: defaults equal the product docs' tables; bad values stop start-up with a named fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.core.config import ConfigError, Settings, build_settings

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "spec" / "otel-bi-app.md"
SECRET = "x" * 40

# The Configuration Reference of the product docs, row by row (variable -> documented default;
# None where the docs show "—" or "per service").
SPEC_DEFAULTS: dict[str, str | None] = {
    "AW_MSSQL_SERVER": None,
    "AW_MSSQL_DATABASE": "AdventureWorksDW2022",
    "AW_MSSQL_USERNAME": None,
    "AW_MSSQL_PASSWORD": None,
    "WWI_MSSQL_SERVER": None,
    "WWI_MSSQL_DATABASE": "WideWorldImportersDW",
    "WWI_MSSQL_USERNAME": None,
    "WWI_MSSQL_PASSWORD": None,
    "MSSQL_TRUST_SERVER_CERTIFICATE": "false",
    "POSTGRES_URL": None,
    "POSTGRES_SSLMODE": "prefer",
    "REQUIRE_FRONTEND_AUTH": "true",
    "FRONTEND_JWT_ISSUER_URL": None,
    "FRONTEND_JWT_JWKS_URL": None,
    "FRONTEND_JWT_AUDIENCE": None,
    "FRONTEND_REQUIRED_SCOPES": "",
    "INTERNAL_SERVICE_SHARED_SECRET": None,
    "INTERNAL_SERVICE_ALLOWED_ISSUERS": "api-gateway",
    "OIDC_ENABLED": "false",
    "OIDC_AUTHORITY": "",
    "FRONTEND_OIDC_CLIENT_ID": "",
    "FRONTEND_OIDC_SCOPE": "openid profile email",
    "DEFAULT_HISTORY_DAYS": "365",
    "FORECAST_HORIZON_DAYS": "30",
    "RANKING_DEFAULT_TOP_N": "10",
    "STORAGE_DEFAULT_LIMIT": "100",
    "REPORT_OUTPUT_DIR": "/tmp/otel-bi-reports",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318",
    "OTEL_SERVICE_NAME": None,
    "LOG_LEVEL": "INFO",
}


def _spec_rows() -> dict[str, str | None]:
    """Parse `| `VAR` | default | ... |` rows of the docs' backend configuration tables."""
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("## Configuration Reference", 1)[1].split("### Frontend", 1)[0]
    rows: dict[str, str | None] = {}
    for match in re.finditer(r"^\| `([A-Z_]+)` \| ([^|]*) \|", section, re.MULTILINE):
        raw = match.group(2).strip()
        if raw in ("—", "*(per service)*"):
            rows[match.group(1)] = None
        else:
            rows[match.group(1)] = raw.strip("`").strip('"') if raw != '`""`' else ""
    return rows


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


@pytest.mark.skipif(not SPEC.exists(), reason=f"product docs not found at {SPEC}")
def test_spec_table_is_what_this_test_checks() -> None:
    assert _spec_rows() == SPEC_DEFAULTS


@pytest.mark.parametrize("variable", sorted(SPEC_DEFAULTS))
def test_default_equals_documented_default(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SPEC_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    value = getattr(settings, variable.lower())
    assert _as_text(value) == SPEC_DEFAULTS[variable]


def test_env_example_lists_every_setting() -> None:
    example = (REPO / "backend" / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} <= listed


def test_variables_are_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_HISTORY_DAYS", "90")
    monkeypatch.setenv("INTERNAL_SERVICE_ALLOWED_ISSUERS", "api-gateway, batch-runner")
    monkeypatch.setenv("REQUIRE_FRONTEND_AUTH", "false")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.default_history_days == 90
    assert settings.internal_service_allowed_issuers == ["api-gateway", "batch-runner"]
    assert settings.require_frontend_auth is False


def test_settings_are_read_from_an_env_file_and_the_environment_beats_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# as in backend/.env.example\n"
        "POSTGRES_URL=postgresql://file@db.example:5432/otel_bi\n"
        "REQUIRE_FRONTEND_AUTH=false\n"
        "DEFAULT_HISTORY_DAYS=90\n"
        "forecast_horizon_days=14\n",
        encoding="utf-8",
    )
    for name in ("POSTGRES_URL", "REQUIRE_FRONTEND_AUTH", "FORECAST_HORIZON_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEFAULT_HISTORY_DAYS", "30")
    settings = build_settings(_env_file=env_file)
    assert settings.postgres_url is not None
    assert settings.postgres_url.get_secret_value() == "postgresql://file@db.example:5432/otel_bi"
    assert settings.require_frontend_auth is False
    assert settings.forecast_horizon_days == 14  # names in the file are case-insensitive
    assert settings.default_history_days == 30  # the environment wins over the file


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"internal_service_shared_secret": "too-short"}, "INTERNAL_SERVICE_SHARED_SECRET"),
        ({"postgres_url": "not a url"}, "POSTGRES_URL"),
        ({"postgres_url": "mysql://u:p@db/x"}, "POSTGRES_URL"),
        ({"postgres_sslmode": "sometimes"}, "POSTGRES_SSLMODE"),
        ({"default_history_days": 0}, "DEFAULT_HISTORY_DAYS"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
        ({"frontend_jwt_issuer_url": "sso.example.com"}, "FRONTEND_JWT_ISSUER_URL"),
    ],
)
def test_bad_value_names_the_variable(overrides: dict[str, object], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_settings(_env_file=None, **overrides)
    assert any(problem.startswith(variable) for problem in raised.value.problems)


@pytest.mark.parametrize(
    "jwks",
    [{}, {"frontend_jwt_jwks_url": "https://sso.example.com/jwks"}],
    ids=["nothing", "jwks-url-only"],
)
def test_gateway_with_auth_on_needs_an_issuer(jwks: dict[str, str]) -> None:
    # A JWKS URL alone would let tokens of any issuer sharing those keys in.
    with pytest.raises(ConfigError) as raised:
        build_settings(
            "api-gateway",
            _env_file=None,
            internal_service_shared_secret=SECRET,
            postgres_url="postgresql://u@localhost/db",
            frontend_jwt_audience="api",
            **jwks,
        )
    [problem] = raised.value.problems
    assert problem.startswith("REQUIRE_FRONTEND_AUTH=true needs FRONTEND_JWT_ISSUER_URL")
    assert "set FRONTEND_JWT_ISSUER_URL to the issuer" in problem
    assert "FRONTEND_JWT_JWKS_URL then only skips discovery" in problem


def test_analytics_service_needs_no_frontend_issuer() -> None:
    settings = build_settings(
        "aw-service",
        _env_file=None,
        internal_service_shared_secret=SECRET,
        postgres_url="postgresql://u@localhost/db",
    )
    assert settings.require_frontend_auth is True


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"INTERNAL_SERVICE_SHARED_SECRET": "short"}, "INTERNAL_SERVICE_SHARED_SECRET"),
        ({"POSTGRES_URL": "::nonsense::"}, "POSTGRES_URL"),
        ({"FRONTEND_JWT_ISSUER_URL": "", "FRONTEND_JWT_JWKS_URL": ""}, "REQUIRE_FRONTEND_AUTH"),
    ],
)
def test_bad_setting_exits_non_zero_without_traceback(env: dict[str, str], variable: str) -> None:
    full_env = {
        **{k: v for k, v in os.environ.items() if k not in SPEC_DEFAULTS},
        "INTERNAL_SERVICE_SHARED_SECRET": SECRET,
        "POSTGRES_URL": "postgresql://u@localhost/db",
        "FRONTEND_JWT_AUDIENCE": "api",
        "PYTHONPATH": str(REPO / "backend"),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "from shared.core.config import load_settings_or_exit as l; "
         "l('api-gateway')"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


PG = "postgresql://u@localhost/db"


def test_sslmode_in_the_url_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTGRES_SSLMODE", raising=False)
    settings = build_settings(_env_file=None, postgres_url=f"{PG}?sslmode=require")
    assert settings.effective_postgres_sslmode == "require"
    url = settings.postgres_async_url()
    assert url is not None and dict(url.query) == {} and url.database == "db"


def test_sslmode_variable_applies_when_the_url_has_none() -> None:
    settings = build_settings(_env_file=None, postgres_url=PG, postgres_sslmode="verify-full")
    assert settings.effective_postgres_sslmode == "verify-full"


def test_same_sslmode_in_url_and_variable_is_fine() -> None:
    settings = build_settings(
        _env_file=None, postgres_url=f"{PG}?sslmode=disable", postgres_sslmode="disable"
    )
    assert settings.effective_postgres_sslmode == "disable"


def test_conflicting_sslmodes_name_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_SSLMODE", "disable")
    with pytest.raises(ConfigError) as raised:
        build_settings(_env_file=None, postgres_url=f"{PG}?sslmode=require")
    [problem] = raised.value.problems
    assert problem.startswith("POSTGRES_URL has sslmode=require but POSTGRES_SSLMODE=disable")


@pytest.mark.parametrize(
    ("query", "named"),
    [("?sslmode=sometimes", "sslmode=sometimes"), ("?sslrootcert=/ca.pem", "sslrootcert")],
)
def test_url_query_asyncpg_cannot_take_is_a_config_error(query: str, named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_settings(_env_file=None, postgres_url=PG + query)
    [problem] = raised.value.problems
    assert problem.startswith("POSTGRES_URL") and named in problem
