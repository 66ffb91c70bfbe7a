"""The ingestion app: a FastAPI app whose two ingestion routes skip the framework's ASGI stack.

`POST /events` and `POST /events/batch` read, check and validate the raw body themselves
(`api`), so FastAPI's middleware layers (error, telemetry, body-limit, exception and
exit-stack middleware) and its router only add time to them (business-telemetry README,
Performance). This app answers those two routes directly and passes everything else,
documentation included, to FastAPI unchanged.

What the skipped layers would do for them is done here, with the same renderers as the
exception handlers: a `ProblemError` becomes its problem+json answer, anything else a logged
500 with no internals, a client that hung up gets no answer. A request carrying an `Origin`
header takes the full stack when CORS is configured, so browser callers get CORS answers
exactly as before.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from business_telemetry.service.http.api import Endpoint, RawRoute, router
from business_telemetry.service.http.errors import ProblemError, crash_answer, problem_answer

logger = logging.getLogger(__name__)

FAST_ROUTES: dict[str, Endpoint] = {
    route.path: route.endpoint
    for route in router.routes
    if isinstance(route, RawRoute) and route.methods == {"POST"}
}
"""The raw ingestion routes of `api`, by path: the routes this app answers itself."""


def _has_origin(scope: Scope) -> bool:
    return any(name == b"origin" for name, _ in scope["headers"])


class IngestionApp(FastAPI):
    """FastAPI with a direct lane for the ingestion routes; `cors` says whether CORS is on."""

    cors = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._fast_endpoint(scope)
        if endpoint is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self  # what Starlette sets: `request.app` reads it
        path = scope["path"]
        try:
            response = await endpoint(Request(scope, receive))
        except ProblemError as exc:
            response = problem_answer(exc, path)
        except ClientDisconnect:
            logger.info("client hung up during %s; nothing acknowledged", path)
            return
        except Exception as exc:
            response = crash_answer(exc, path)
        await response(scope, receive, send)

    def _fast_endpoint(self, scope: Scope) -> Endpoint | None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return None
        endpoint = FAST_ROUTES.get(scope["path"])
        if endpoint is None or (self.cors and _has_origin(scope)):
            return None
        return endpoint
