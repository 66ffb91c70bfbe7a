"""Property-based requests generated from the service's own OpenAPI: never a 5xx.

The schema is taken from the app object at import (schemathesis' lazy fixture loader does not
work with this pytest); the requests go to the real app under uvicorn.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from bt_testkit import live_server, make_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case

from main import create_app

_schema_app = create_app(make_settings(Path(tempfile.gettempdir()) / "bt-openapi-unused"))
schema = schemathesis.openapi.from_dict(_schema_app.openapi())


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with live_server(make_settings(tmp, max_body_bytes=256 * 1024)) as url:
        yield url


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Case, base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=[not_a_server_error])
