"""The committed OpenAPI document the gateway serves is the one the code describes today."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from devtools.openapi import build_document, render
from services.api_gateway import openapi
from services.api_gateway.main import openapi_document
from services.api_gateway.openapi import DOCUMENT_FILE, REGENERATE


def test_committed_openapi_document_is_current() -> None:
    committed = DOCUMENT_FILE.read_text(encoding="utf-8")
    assert committed == render(build_document()), (
        f"{DOCUMENT_FILE} is out of date; regenerate it with `{REGENERATE}` and commit it"
    )


def test_every_proxied_operation_carries_the_service_description() -> None:
    document = json.loads(DOCUMENT_FILE.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        if not path.startswith(("/api/aw/", "/api/wwi/")):
            continue
        for method, operation in item.items():
            success = operation["responses"].get("200") or operation["responses"]["201"]
            assert success.get("content"), (method, path)


def test_without_the_file_the_gateway_serves_its_own_routes_and_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(openapi, "DOCUMENT_FILE", tmp_path / "openapi.json")
    with caplog.at_level(logging.WARNING, logger=openapi.__name__):
        document = openapi_document()
    kpis = document["paths"]["/api/aw/sales/kpis"]["get"]
    assert kpis.get("parameters", []) == []  # the services' details are missing, not invented
    assert f"`{REGENERATE}`" in caplog.text
