"""HTTP routes of the ingestion service."""

from __future__ import annotations

import gc
import hmac
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import orjson
from fastapi import APIRouter, Depends, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from business_telemetry.config import FabricSettings
from business_telemetry.service.http.encode import Encoded, encode_batch, encode_single
from business_telemetry.service.http.errors import ProblemError, problem_response
from business_telemetry.service.http.metrics import Metrics
from business_telemetry.service.http.models import BatchResponse, EventResponse
from business_telemetry.service.spool.backlog import Backlog
from business_telemetry.service.spool.spool_view import SpoolView
from business_telemetry.service.spool.writer import (
    SpoolFullError,
    SpoolUnavailableError,
    SpoolWriter,
)


@dataclass
class Runtime:
    """What the lifespan builds and the routes use."""

    settings: FabricSettings
    metrics: Metrics
    writer: SpoolWriter
    drainer: SpoolView
    started: float
    backlog: Backlog | None = None


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ProblemError(503, "service is starting", headers={"Retry-After": "1"})
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def check_api_key(request: Request, api_key: str | None) -> None:
    """Accept any configured key (rotation); compare every one in constant time."""
    keys = request.app.state.api_keys
    if not keys:
        return
    presented = (api_key or "").encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(presented, key)
    if not matched:
        raise ProblemError(
            401, "missing or invalid X-API-Key", headers={"WWW-Authenticate": "ApiKey"}
        )


async def require_api_key(
    request: Request, api_key: Annotated[str | None, Security(_api_key_header)]
) -> None:
    check_api_key(request, api_key)


ApiKey = Annotated[None, Depends(require_api_key)]


async def ingest_runtime(request: Request) -> Runtime:
    """Runtime and key check for the two ingestion routes, without FastAPI's dependency
    machinery, whose cost per request is a large share of a 100-event batch's."""
    check_api_key(request, request.headers.get("x-api-key"))
    return await get_runtime(request)


_KEYED: dict[str, Any] = {"security": [{"APIKeyHeader": []}]}  # declared as Depends would
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in [
        (400, "Body is not JSON"),
        (401, "Missing or wrong X-API-Key"),
        (413, "Body over FABRIC_MAX_BODY_BYTES"),
        (422, "Invalid event; `errors` names each field"),
        (503, "Spool full or unavailable; retry after Retry-After seconds"),
    ]
}


@asynccontextmanager
async def _freeze_startup_objects(_app: Any) -> AsyncIterator[None]:
    """Once the app has started, take every object then alive (modules, schemas, routes, all as
    long-lived as the process) out of the garbage collector's generations.

    Full collections walking them all set the p99 latency of `/events/batch` (business-telemetry
    README, Performance). This runs after the app's own lifespan has started (an included
    router's lifespan nests inside it) and undoes itself at shutdown. No collection first: it
    would slow start-up, and the workers of `--workers N` would become ready apart.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


router = APIRouter(lifespan=_freeze_startup_objects)
Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class RawRoute(APIRoute):
    """A route whose endpoint takes the `Request` and returns the `Response` itself.

    FastAPI's request handler (dependency solving, body and response models) is skipped: the
    ingestion routes read, check and validate the raw body themselves, and that machinery would
    only add time to every request. Path, OpenAPI entry, body limit and exception handlers stay
    those of any other route.
    """

    def get_route_handler(self) -> Endpoint:
        return cast(Endpoint, self.endpoint)


DISCARD_BOUND = 64 * 1024 * 1024
"""How much of a too-large body is read (and dropped) before the 413 goes out."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or a 413 once it passes `limit` that the client actually gets to read."""
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > limit
    if too_large and request.headers.get("expect", "").lower() == "100-continue":
        raise _too_large(limit)  # the client waits for our answer before sending the body
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if too_large or size > limit:
            too_large = True
            if size > DISCARD_BOUND:
                break
            continue
        chunks.append(chunk)
    if too_large:
        raise _too_large(limit)
    return b"".join(chunks)


def _too_large(limit: int) -> ProblemError:
    """Closing a connection with unread upload data makes the kernel reset it, and clients
    then report "connection reset" instead of the answer: the rest of the body is read and
    dropped first (up to `DISCARD_BOUND`), and the connection closed after the 413."""
    return ProblemError(
        413, f"body is over FABRIC_MAX_BODY_BYTES={limit}", headers={"Connection": "close"}
    )


async def _store(runtime: Runtime, encoded: Encoded) -> None:
    metrics = runtime.metrics
    if encoded.payload:
        try:
            payload = b"".join(encoded.payload)
            await runtime.writer.append(payload)
            if runtime.backlog is not None:
                runtime.backlog.note_appended(len(payload))
        except SpoolFullError as exc:
            _count(metrics, encoded, rejected="spool_full")
            raise ProblemError(503, str(exc), headers={"Retry-After": "5"}) from None
        except SpoolUnavailableError as exc:
            _count(metrics, encoded, rejected="spool_error")
            raise ProblemError(503, str(exc), headers={"Retry-After": "1"}) from None

    _count(metrics, encoded)


def _count(metrics: Metrics, encoded: Encoded, rejected: str | None = None) -> None:
    if rejected:
        for event_type, n in Counter(encoded.event_types).items():
            metrics.received.labels(event_type).inc(n)
            metrics.rejected.labels(event_type, rejected).inc(n)
    else:
        metrics.count_accepted(encoded.event_types)
    for event_type, n in Counter(encoded.rejected_types).items():
        metrics.received.labels(event_type).inc(n)
        metrics.rejected.labels(event_type, "invalid").inc(n)


async def submit_event(request: Request) -> Response:
    """Submit one business event; 202 once it is durably spooled."""
    runtime = await ingest_runtime(request)
    settings = runtime.settings
    if runtime.backlog is not None:
        await runtime.backlog.wait_for_room()
    body = await read_body(request, settings.max_body_bytes)
    try:
        encoded = encode_single(body, max_event_bytes=settings.max_event_bytes)
    except ProblemError:
        runtime.metrics.received.labels("unknown").inc()
        runtime.metrics.rejected.labels("unknown", "invalid").inc()
        raise
    if not settings.telemetry_enabled:
        return _json(
            202,
            {
                "success": False,
                "event_id": encoded.event_ids[0],
                "message": "telemetry disabled (FABRIC_TELEMETRY_ENABLED=false)",
            },
        )
    await _store(runtime, encoded)
    return _json(
        202, {"success": True, "event_id": encoded.event_ids[0], "message": "Event accepted"}
    )


async def submit_batch(request: Request) -> Response:
    """Submit many events; valid ones are accepted even when others in the batch are not."""
    runtime = await ingest_runtime(request)
    settings = runtime.settings
    if runtime.backlog is not None:
        await runtime.backlog.wait_for_room()
    body = await read_body(request, settings.max_body_bytes)
    encoded = encode_batch(
        body, max_events=settings.max_batch_events, max_event_bytes=settings.max_event_bytes
    )
    if not encoded.payload:
        _count(runtime.metrics, encoded)
        raise ProblemError(
            422,
            "no event in the batch is valid",
            errors=[{"field": e["field"], "message": e["error"]} for e in encoded.errors],
        )
    accepted = len(encoded.event_ids)
    if not settings.telemetry_enabled:
        accepted = 0
    else:
        await _store(runtime, encoded)
    return _json(
        202,
        {
            "success": not encoded.errors and bool(accepted),
            "events_accepted": accepted,
            "events_failed": encoded.total - accepted,
            "message": f"Processed {encoded.total} events",
            "errors": encoded.errors,
            "event_ids": encoded.event_ids if accepted else [],
        },
    )


for _path, _endpoint, _model in (
    ("/events", submit_event, EventResponse),
    ("/events/batch", submit_batch, BatchResponse),
):
    router.add_api_route(
        _path,
        _endpoint,
        methods=["POST"],
        status_code=202,
        response_model=_model,
        responses=_ERRORS,
        tags=["Events"],
        openapi_extra=_KEYED,
        route_class_override=RawRoute,
    )


@router.post(
    "/flush", tags=["Operations"], responses={504: {"description": "Sinks did not catch up"}}
)
async def flush(runtime: RuntimeDep, _auth: ApiKey) -> dict[str, Any]:
    """Deliver everything spooled so far to every sink now; 504 if that takes over 30 s."""
    started = time.perf_counter()
    if not await runtime.drainer.flush(timeout=30.0):
        raise ProblemError(504, "sinks did not take every spooled event within 30 s")
    return {"success": True, "message": "spool flushed", "seconds": time.perf_counter() - started}


@router.get("/health", tags=["Health"])
async def health(runtime: RuntimeDep) -> dict[str, Any]:
    """Liveness: the process serves requests."""
    return {
        "status": "healthy",
        "service": runtime.settings.service_name,
        "version": runtime.settings.service_version,
        "timestamp": datetime.now(UTC).isoformat(),
        "uptime_seconds": time.monotonic() - runtime.started,
    }


@router.get("/ready", tags=["Health"], responses={503: _ERRORS[503]})
async def ready(runtime: RuntimeDep) -> Response:
    """Readiness: the spool is writable and every sink is connected; 503 names what is not."""
    problems: dict[str, str] = {}
    spool = runtime.writer.writable()
    if spool:
        problems["spool"] = spool
    sinks = runtime.drainer.sink_errors()
    if isinstance(sinks, str):
        problems["drainer"] = sinks
    else:
        problems.update({f"sink:{name}": error for name, error in sinks.items()})
    if problems:
        return problem_response(
            503,
            "not ready: " + ", ".join(sorted(problems)),
            instance="/ready",
            errors=[{"field": k, "message": v} for k, v in sorted(problems.items())],
        )
    return _json(200, {"status": "ready", "sinks": runtime.drainer.sink_names})


@router.get("/metrics", tags=["Monitoring"])
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics of this worker, and of the shared spool."""
    text = generate_latest(runtime.metrics.registry) + runtime.drainer.delivery_metrics_text()
    return Response(text, media_type=CONTENT_TYPE_LATEST)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")
