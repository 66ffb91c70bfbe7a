"""Reference server of the ingestion benchmark: the bare parse replaced by the service's
pydantic validation (`service.http.models.BATCH`), nothing encoded, stored or delivered.

It shows how much of the bare endpoint's events/s pydantic validation alone leaves. Since the
msgspec first pass (`service.http.fast_batch`) the service validates the benchmark's valid batches
without it, so the service may come closer to this row than the spool and encoding alone allow.
"""

from __future__ import annotations

import sys
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[1] / "business-telemetry"
if str(SERVICE_DIR) not in sys.path:
    sys.path.insert(0, str(SERVICE_DIR))

import orjson  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from business_telemetry.service.http.models import BATCH  # noqa: E402


async def _validated_batch(request: Request) -> Response:
    events = BATCH.validate_json(await request.body()).events
    return Response(orjson.dumps({"events_accepted": len(events)}), 202)


app = Starlette(routes=[Route("/events/batch", _validated_batch, methods=["POST"])])
