"""The committed OpenAPI document the gateway serves is the one the code describes today."""

from __future__ import annotations

import json

from devtools.openapi import build_document, render
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
