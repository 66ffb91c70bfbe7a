"""One pooled aiohttp client per analytics service, and the forwarding of a request to it.

aiohttp rather than httpx: a pooled `httpx.AsyncClient` hop is far slower under concurrency
(encode/httpx#3215; figures in docs/benchmarks.md). Every upstream call carries a fresh internal
token for that service and the W3C trace context (injected by the aiohttp OpenTelemetry
instrumentation). Hop-by-hop headers are dropped both ways; JSON answers are relayed whole,
anything else (exports) is streamed chunk by chunk. A refused connection is a 502 and a timeout
a 504, naming the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp
import orjson
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from multidict import CIMultiDict, CIMultiDictProxy

from shared.core.config import Settings
from shared.core.errors import ProblemError
from shared.core.frontend_auth import FrontendPrincipal
from shared.core.internal_tokens import mint_internal_token

logger = logging.getLogger(__name__)

ServiceName = Literal["aw-service", "wwi-service"]
CHUNK_BYTES = 64 * 1024
MAX_BUFFERED_JSON_BYTES = 1024 * 1024
MAX_REQUEST_BODY_BYTES = 256 * 1024

# RFC 9110 section 7.6.1 connection-specific fields, plus the non-standard Keep-Alive and
# Proxy-Connection that some clients still send.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Replaced or recomputed on the way out: the caller's credentials never reach a service (it gets
# an internal token instead), and the trace context is re-injected for the gateway's client span.
_REQUEST_REPLACED = frozenset(
    {"host", "authorization", "cookie", "content-length", "traceparent", "tracestate", "baggage"}
)
# Set by the gateway's own server for its own response.
_RESPONSE_REPLACED = frozenset({"server", "date", "x-trace-id", "x-span-id"})


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Header names listed in `Connection`, which are hop-by-hop for this message only."""
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            tokens.update(part.strip().lower() for part in value.split(",") if part.strip())
    return tokens


def forwardable_request_headers(headers: Iterable[tuple[str, str]]) -> CIMultiDict[str]:
    """The caller's headers that go on to the service."""
    items = list(headers)
    dropped = HOP_BY_HOP | _REQUEST_REPLACED | _connection_tokens(items)
    return CIMultiDict((name, value) for name, value in items if name.lower() not in dropped)


def forwardable_response_headers(headers: CIMultiDictProxy[str]) -> list[tuple[str, str]]:
    """The service's response headers that go back to the caller."""
    items = list(headers.items())
    dropped = HOP_BY_HOP | _RESPONSE_REPLACED | _connection_tokens(items)
    return [(name, value) for name, value in items if name.lower() not in dropped]


class UpstreamError(ProblemError):
    """A service could not be reached or did not answer in time; `service` names it."""

    def __init__(self, status: int, service: str, detail: str) -> None:
        super().__init__(status, detail, extra={"service": service})
        self.service = service


@dataclass
class Upstream:
    """One analytics service behind the gateway, with its own connection pool."""

    name: ServiceName
    base_url: str
    settings: Settings
    session: aiohttp.ClientSession

    @classmethod
    def open(cls, name: ServiceName, base_url: str, settings: Settings) -> Upstream:
        """Create the pooled session; call inside a running loop, after instrumentation."""
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=settings.upstream_connect_timeout_seconds,
            sock_read=settings.upstream_read_timeout_seconds,
        )
        connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=30, ttl_dns_cache=300)
        session = aiohttp.ClientSession(
            base_url=None,
            connector=connector,
            timeout=timeout,
            auto_decompress=False,  # bytes pass through untouched, Content-Encoding and all
            raise_for_status=False,
            skip_auto_headers=("User-Agent",),
        )
        return cls(name=name, base_url=base_url.rstrip("/"), settings=settings, session=session)

    async def close(self) -> None:
        await self.session.close()

    def _auth_header(self, principal: FrontendPrincipal) -> str:
        token = mint_internal_token(
            self.settings,
            audience=self.name,
            subject=principal.subject,
            scopes=principal.scopes,
        )
        return f"Bearer {token}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        principal: FrontendPrincipal,
        query: str = "",
        headers: CIMultiDict[str] | None = None,
        body: bytes | None = None,
    ) -> aiohttp.ClientResponse:
        """Start the call and return the response with its body unread; the caller releases it."""
        out = headers if headers is not None else CIMultiDict()
        out["Authorization"] = self._auth_header(principal)
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        try:
            return await self.session.request(
                method, url, headers=out, data=body, allow_redirects=False
            )
        except TimeoutError:  # aiohttp's connect/read timeouts subclass asyncio.TimeoutError
            raise self._timed_out() from None
        except aiohttp.ClientError as error:
            raise self._unreachable(error) from None

    def _timed_out(self) -> UpstreamError:
        logger.warning("%s did not answer in time", self.name)
        return UpstreamError(
            504,
            self.name,
            f"{self.name} did not answer within "
            f"{self.settings.upstream_read_timeout_seconds:g} s; retry later",
        )

    def _refused_internal_token(self, status: int) -> UpstreamError:
        # The user's own token was accepted here; a 401/403 from the service means the two
        # disagree on INTERNAL_SERVICE_SHARED_SECRET or the allowed issuers. Relaying it would
        # send the browser into a login loop.
        logger.error("%s refused the gateway's internal token (HTTP %s)", self.name, status)
        return UpstreamError(
            502, self.name, f"{self.name} refused the gateway's internal credentials"
        )

    def _unreachable(self, error: BaseException) -> UpstreamError:
        logger.warning("%s unreachable: %s", self.name, type(error).__name__)
        return UpstreamError(502, self.name, f"{self.name} is unreachable; retry later")

    async def forward(self, request: Request, principal: FrontendPrincipal, path: str) -> Response:
        """Relay `request` to `path` on this service and its answer back, status and all."""
        body = await read_limited_body(request) if request.method in ("POST", "PUT") else None
        headers = forwardable_request_headers(request.headers.items())
        client = request.client
        if client is not None:
            headers["X-Forwarded-For"] = client.host
        headers["X-Forwarded-Proto"] = request.url.scheme
        upstream = await self.send(
            request.method,
            path,
            principal=principal,
            query=request.url.query,
            headers=headers,
            body=body,
        )
        if upstream.status in (401, 403):
            upstream.release()
            raise self._refused_internal_token(upstream.status)
        out_headers = forwardable_response_headers(upstream.headers)
        if _small_json(upstream):
            try:
                content = await upstream.read()
            except TimeoutError:
                raise self._timed_out() from None
            except aiohttp.ClientError as error:
                raise self._unreachable(error) from None
            finally:
                upstream.release()
            response = Response(content=content, status_code=upstream.status)
        else:
            response = StreamingResponse(self._stream(upstream), status_code=upstream.status)
        # Replace, not merge: Response() pre-sets content-type/length we must not duplicate.
        response.raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in out_headers
        ]
        return response

    async def _stream(self, upstream: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """Yield the body as it arrives; a break mid-body aborts the download, never truncates."""
        try:
            async for chunk in upstream.content.iter_chunked(CHUNK_BYTES):
                yield chunk
        except (aiohttp.ClientError, TimeoutError):
            logger.warning("%s broke off a streamed response", self.name)
            raise
        finally:
            upstream.release()

    async def get_json(
        self, path: str, *, principal: FrontendPrincipal, params: Mapping[str, Any] | None = None
    ) -> Any:
        """GET a JSON view (for reports); any non-2xx answer is a 502 naming the service."""
        shown = {key: value for key, value in (params or {}).items() if value is not None}
        query = urlencode(shown)
        headers: CIMultiDict[str] = CIMultiDict({"Accept": "application/json"})
        response = await self.send("GET", path, principal=principal, query=query, headers=headers)
        try:
            if response.status in (401, 403):
                raise self._refused_internal_token(response.status)
            if response.status >= 400:
                raise UpstreamError(
                    502, self.name, f"{self.name} answered {response.status} for {path}"
                )
            raw = await response.read()
            if response.headers.get("content-encoding", "identity") != "identity":
                raise UpstreamError(502, self.name, f"{self.name} sent an encoded body for {path}")
            return orjson.loads(raw)
        except TimeoutError:
            raise self._timed_out() from None
        except aiohttp.ClientError as error:
            raise self._unreachable(error) from None
        except ValueError:
            detail = f"{self.name} sent invalid JSON for {path}"
            raise UpstreamError(502, self.name, detail) from None
        finally:
            response.release()

    async def ready(self) -> tuple[bool, str]:
        """Whether the service answers its own `/ready` (unauthenticated) quickly."""
        try:
            async with self.session.get(
                f"{self.base_url}/ready", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                await response.read()
                return response.status == 200, f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            return False, type(error).__name__


def _small_json(response: aiohttp.ClientResponse) -> bool:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        return False
    length = response.headers.get("content-length")
    return length is not None and length.isdigit() and int(length) <= MAX_BUFFERED_JSON_BYTES


async def read_limited_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond `MAX_REQUEST_BODY_BYTES`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BODY_BYTES:
        raise ProblemError(413, f"request body exceeds {MAX_REQUEST_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BODY_BYTES:
            raise ProblemError(413, f"request body exceeds {MAX_REQUEST_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def close_all(upstreams: Iterable[Upstream]) -> None:
    await asyncio.gather(*(upstream.close() for upstream in upstreams), return_exceptions=True)
