"""The SPA's API types stay generated from the gateway's committed OpenAPI document
(`backend/services/api_gateway/openapi.json`, kept current by `make openapi` and its own test):
frontend/src/api/schema.d.ts must be what openapi-typescript makes of it (`npm run gen:api`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.live_server import REPO

FRONTEND = REPO / "frontend"


def test_frontend_types_are_generated_from_the_gateways_document(tmp_path: Path) -> None:
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [
            str(FRONTEND / "node_modules/.bin/openapi-typescript"),
            "../backend/services/api_gateway/openapi.json",
            "-o",
            str(out),
        ],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == (FRONTEND / "src/api/schema.d.ts").read_text(
        encoding="utf-8"
    ), "the SPA's types are stale: run `make openapi`, then `npm run gen:api` in frontend/"
