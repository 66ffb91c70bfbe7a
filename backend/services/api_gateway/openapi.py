"""The gateway's OpenAPI document, served from the committed `openapi.json` beside this module.

The proxied operations' parameters and schemas belong to the services, and the gateway talks to
them over HTTP only: `make openapi` (devtools/openapi.py) merges them into that file at build
time, a test fails when it is stale, and the frontend's typed client is generated from it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

logger = logging.getLogger(__name__)

DOCUMENT_FILE = Path(__file__).with_name("openapi.json")
REGENERATE = "make openapi"


def own_document(app: FastAPI) -> dict[str, Any]:
    """The document of the gateway's own routes, as FastAPI describes them."""
    document: dict[str, Any] = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    return document


def served_openapi(app: FastAPI) -> dict[str, Any]:
    """The committed document, read once; without it the gateway's own routes, loudly logged."""
    if app.openapi_schema:
        return app.openapi_schema
    try:
        document: dict[str, Any] = json.loads(DOCUMENT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning(
            "cannot read %s (%s): /openapi.json lacks the services' parameters and schemas; "
            "regenerate it with `%s`",
            DOCUMENT_FILE,
            type(error).__name__,
            REGENERATE,
        )
        document = own_document(app)
    app.openapi_schema = document
    return document
