"""The SPA's API types are generated, and stay generated: docs/openapi.json is the gateway's
current document, and frontend/src/api/schema.d.ts is what openapi-typescript makes of it.
After an API change: regenerate docs/openapi.json (README, Frontend) and `npm run gen:api`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from services.api_gateway.main import openapi_document
from tests.support.live_server import REPO

FRONTEND = REPO / "frontend"


def test_docs_openapi_json_is_the_gateways_current_document() -> None:
    saved = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(openapi_document()))


def test_frontend_types_are_generated_from_docs_openapi_json(tmp_path: Path) -> None:
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [
            str(FRONTEND / "node_modules/.bin/openapi-typescript"),
            "../docs/openapi.json",
            "-o",
            str(out),
        ],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == (FRONTEND / "src/api/schema.d.ts").read_text(
        encoding="utf-8"
    )
