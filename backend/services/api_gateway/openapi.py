"""The gateway's OpenAPI document: its own routes, with the services' parameters and schemas.

The proxied routes take no parameters of their own (the services validate), so their query
parameters, request bodies and response schemas are copied from the services' routers into the
gateway's document. The frontend generates its typed client from this one document. A schema
name used by both services with different content is prefixed with the domain (`WwiSalesKpis`).
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

logger = logging.getLogger(__name__)

SERVICES = (("aw", "services.aw_service.main"), ("wwi", "services.wwi_service.main"))
COPIED_RESPONSES = ("200", "201", "422", "503")


def _service_document(domain: str, module_name: str) -> dict[str, Any] | None:
    try:
        spec = importlib.import_module(module_name).SPEC
    except Exception as error:  # the gateway still serves its own document without it
        logger.warning("no OpenAPI details from %s: %s", module_name, type(error).__name__)
        return None
    router = APIRouter(prefix=f"/api/{domain}")
    for service_router in spec.routers:
        router.include_router(service_router)
    document: dict[str, Any] = get_openapi(title=spec.name, version="1", routes=router.routes)
    return document


def _without_clashes(
    document: dict[str, Any], taken: dict[str, Any], prefix: str
) -> dict[str, Any]:
    """Rename the document's schemas that would overwrite a different schema of the same name."""
    schemas = document.get("components", {}).get("schemas", {})
    clashing = [name for name, schema in schemas.items() if name in taken and taken[name] != schema]
    if not clashing:
        return document
    text = json.dumps(document)
    for name in clashing:
        text = text.replace(
            f'"#/components/schemas/{name}"', f'"#/components/schemas/{prefix}{name}"'
        )
    renamed: dict[str, Any] = json.loads(text)
    renamed_schemas = renamed["components"]["schemas"]
    for name in clashing:
        renamed_schemas[f"{prefix}{name}"] = renamed_schemas.pop(name)
    return renamed


def merged_openapi(app: FastAPI) -> dict[str, Any]:
    """Build (once) the gateway's document with every proxied operation described in full."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for domain, module_name in SERVICES:
        service = _service_document(domain, module_name)
        if service is None:
            continue
        service = _without_clashes(service, schemas, domain.capitalize())
        schemas.update(service.get("components", {}).get("schemas", {}))
        for path, item in service["paths"].items():
            for method, operation in item.items():
                mine = document["paths"].get(path, {}).get(method)
                if mine is None:
                    continue
                mine["parameters"] = operation.get("parameters", [])
                if "requestBody" in operation:
                    mine["requestBody"] = operation["requestBody"]
                for code in COPIED_RESPONSES:
                    if code in operation.get("responses", {}):
                        mine["responses"][code] = operation["responses"][code]
                if operation.get("description"):
                    mine["description"] = operation["description"]
    app.openapi_schema = document
    return document
