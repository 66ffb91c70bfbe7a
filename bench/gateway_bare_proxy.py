"""Reference server of the gateway benchmark: the least a Python HTTP hop can do here.

Starlette under uvicorn relaying `GET /api/aw/sales/kpis` to aw-service through one pooled
aiohttp session, with the caller's `Authorization` passed on: no JWT check, no internal token,
no tracing, no header hygiene, no error mapping. What the gateway adds beyond this row is the
cost of its security and tracing; what this row adds to the direct call is the extra hop.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

UPSTREAM = os.environ.get("AW_SERVICE_URL", "http://127.0.0.1:8001").rstrip("/")
PATH = "/api/aw/sales/kpis"


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app.state.session = session
        yield


async def _relay(request: Request) -> Response:
    session: aiohttp.ClientSession = request.app.state.session
    headers = {"Authorization": request.headers.get("authorization", "")}
    async with session.get(UPSTREAM + PATH, headers=headers) as upstream:
        body = await upstream.read()
        return Response(body, upstream.status, media_type=upstream.content_type)


async def _health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route(PATH, _relay), Route("/health", _health)], lifespan=_lifespan)
