"""Gateway test fixtures: stand-in upstreams and a gateway under real uvicorn on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.core.config import build_settings
from tests.backend.gateway.helpers import (
    OTLP_ENDPOINT,
    SECRET,
    Gateway,
    Upstreams,
    gateway_settings,
    run_gateway,
)
from tests.backend.gateway.upstream_app import create_upstream
from tests.support.live_server import live_server
from tests.support.otlp_receiver import OtlpReceiver


@pytest.fixture(scope="session", autouse=True)
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """Where the gateways of these tests export spans: an endpoint that answers, so the flush
    at shutdown is quick rather than retrying against a closed port."""
    with OtlpReceiver() as receiver:
        OTLP_ENDPOINT[0] = receiver.endpoint
        yield receiver


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    """aw-service and wwi-service stand-ins on real ports."""
    settings = build_settings(_env_file=None, internal_service_shared_secret=SECRET)
    aw_app = create_upstream(settings, service="aw-service", domain="aw")
    wwi_app = create_upstream(settings, service="wwi-service", domain="wwi")
    with live_server(aw_app) as aw_url, live_server(wwi_app) as wwi_url:
        yield Upstreams(aw_url, wwi_url, aw_app.state.control, wwi_app.state.control)
        aw_app.state.control.release_export.set()
        wwi_app.state.control.release_export.set()


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def gateway(postgres_url: str, upstreams: Upstreams, report_dir: Path) -> Iterator[Gateway]:
    """The gateway with auth off, in front of the two stand-ins."""
    settings = gateway_settings(
        postgres_url, report_dir, aw_service_url=upstreams.aw_url, wwi_service_url=upstreams.wwi_url
    )
    with run_gateway(settings) as running:
        yield running
