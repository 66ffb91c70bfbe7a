"""Build the gateway's OpenAPI document: its own routes, with the services' parameters and schemas.

The gateway never imports service code, so the merge runs here, at build time (`make openapi`),
into `backend/services/api_gateway/openapi.json`; `--check` fails when that file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BACKEND_DIR = Path(__file__).resolve().parents[1] / "backend"
if str(BACKEND_DIR) not in sys.path:
    sys.path.insert(0, str(BACKEND_DIR))

from fastapi import APIRouter  # noqa: E402
from fastapi.openapi.utils import get_openapi  # noqa: E402

from services.api_gateway.main import bare_app  # noqa: E402
from services.api_gateway.openapi import DOCUMENT_FILE, REGENERATE, own_document  # noqa: E402
from services.aw_service.main import SPEC as AW_SPEC  # noqa: E402
from services.wwi_service.main import SPEC as WWI_SPEC  # noqa: E402
from shared.core.service import ServiceSpec  # noqa: E402

SERVICES = (("aw", AW_SPEC), ("wwi", WWI_SPEC))
COPIED_RESPONSES = ("200", "201", "422", "503")


def _service_document(domain: str, spec: ServiceSpec) -> dict[str, Any]:
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


def build_document() -> dict[str, Any]:
    """The gateway's document with every proxied operation described in full: the proxied routes
    take no parameters of their own (the services validate), so their parameters, bodies and
    responses are the services'; a schema name both use differently gets the domain prefix."""
    document = own_document(bare_app())
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for domain, spec in SERVICES:
        service = _without_clashes(_service_document(domain, spec), schemas, domain.capitalize())
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
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the gateway's OpenAPI document.")
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    args = parser.parse_args(argv)
    text = render(build_document())
    current = DOCUMENT_FILE.read_text(encoding="utf-8") if DOCUMENT_FILE.exists() else None
    if args.check:
        if current != text:
            print(f"{DOCUMENT_FILE} is out of date; regenerate it with `{REGENERATE}`")
            return 1
        return 0
    if current != text:
        DOCUMENT_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
