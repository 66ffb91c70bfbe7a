"""Every error a BI service returns, rendered once as `application/problem+json` (RFC 9457).

Expected conditions (bad input, missing credentials, a dependency down) raise `ProblemError` or a
subclass and never become a 500; anything else is logged with its trace id and answered with a
500 body that carries no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

TITLES: Mapping[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ProblemError(Exception):
    """An expected failure with its HTTP status; `errors` lists field-level problems."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.headers = dict(headers or {})
        self.errors = list(errors)
        self.extra = dict(extra or {})


class Unauthorized(ProblemError):
    """Missing or invalid credentials: 401 with a Bearer challenge."""

    def __init__(self, detail: str, *, error: str = "invalid_token") -> None:
        challenge = f'Bearer error="{error}", error_description="{detail}"'
        super().__init__(401, detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        challenge = f'Bearer error="insufficient_scope", error_description="{detail}"'
        super().__init__(403, detail, headers={"WWW-Authenticate": challenge})


class DependencyUnavailable(ProblemError):
    """A store or warehouse we need is down: 503, the client may retry."""

    def __init__(self, dependency: str, detail: str | None = None) -> None:
        super().__init__(
            503,
            detail or f"{dependency} is unavailable; retry shortly",
            headers={"Retry-After": "5"},
            extra={"dependency": dependency},
        )


def invalid_field(field: str, message: str, *, location: str = "query") -> ProblemError:
    """A 422 naming one field, in the same shape as FastAPI's own validation errors."""
    return ProblemError(
        422,
        f"{field}: {message}",
        errors=[{"loc": [location, field], "field": field, "msg": message}],
    )


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "trace_id": _trace_id(),
    }
    if errors:
        body["errors"] = list(errors)
    body.update(extra or {})
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or ".".join(str(part) for part in loc)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        errors=exc.errors,
        extra=exc.extra,
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for item in exc.errors():
        entry: dict[str, Any] = {
            "loc": list(item.get("loc", ())),
            "field": _field_path(item.get("loc", ())),
            "msg": item.get("msg", "invalid"),
            "type": item.get("type", "value_error"),
        }
        if isinstance(item.get("ctx"), dict):
            entry["ctx"] = {key: str(value) for key, value in item["ctx"].items()}
        errors.append(entry)
    detail = "; ".join(f"{error['field']}: {error['msg']}" for error in errors)
    return problem_response(request, 422, detail or "invalid request", errors=errors)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(
        "unhandled error on %s %s (trace %s)", request.method, request.url.path, _trace_id()
    )
    return problem_response(request, 500, "internal error; quote the trace_id when reporting it")


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of `app` as problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
