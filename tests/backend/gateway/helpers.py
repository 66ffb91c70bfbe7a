"""Helpers shared by the gateway tests (imported by conftest.py and the test modules alike)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.api_gateway.main import create_app
from shared.core.config import Settings, build_settings
from tests.backend.gateway.upstream_app import Control
from tests.support.live_server import free_port, live_server

SECRET = "gateway-test-secret-" + "z" * 40
# Set by the session fixture to a live OTLP receiver, so span export at shutdown is quick.
OTLP_ENDPOINT = ["http://127.0.0.1:9"]


def gateway_settings(postgres_url: str, report_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "postgres_url": postgres_url,
        "internal_service_shared_secret": SECRET,
        "require_frontend_auth": False,
        "report_output_dir": report_dir,
        "upstream_connect_timeout_seconds": 1.0,
        "upstream_read_timeout_seconds": 2.0,
        "otel_exporter_otlp_endpoint": OTLP_ENDPOINT[0],
        "jobs_enabled": False,
    }
    values.update(overrides)
    return build_settings(**values)


@dataclass
class Upstreams:
    aw_url: str
    wwi_url: str
    aw: Control
    wwi: Control


@dataclass
class Gateway:
    url: str
    app: FastAPI
    settings: Settings


@contextlib.contextmanager
def run_gateway(settings: Settings) -> Iterator[Gateway]:
    app = create_app(settings)
    with live_server(app) as url:
        yield Gateway(url, app, settings)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"
