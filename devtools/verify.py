"""`make verify`: the product docs' eight-step verification checklist against a running deployment.

Works against `make up`, `docker compose` or production alike: it needs only the gateway's base
URL and a bearer token (or the local provider to get one from), plus Tempo's URL for step 8.
Each step is printed as passed, failed or skipped; the exit status is 1 if any step failed.
The stack tests run `make verify` itself against the stacks they start: they check what users run.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from devtools.trace_chain import chain_problems, fetch_trace

Status = Literal["passed", "failed", "skipped"]
STEPS = {
    1: "GET /api/config returns the OIDC settings without authentication",
    2: 'GET /api/health returns {"status": "ok"}',
    3: "GET /api/aw/sales/kpis returns data with the token",
    4: "GET /api/audit shows the row of that KPI call",
    5: "GET /api/jobs/aw shows scheduled job runs",
    6: "GET /api/aw/export/sales-forecast?format=xlsx downloads an .xlsx file",
    7: "POST /api/reports/generate returns the .xlsx and .pdf it wrote",
    8: "the KPI call's trace spans api-gateway -> aw-service -> PostgreSQL/warehouse in Tempo",
}


class StepFailed(Exception):
    """The step's expectation does not hold; the message says what was seen instead."""


class StepSkipped(Exception):
    """The step cannot run against this deployment (its message says what is missing)."""


@dataclass
class StepResult:
    number: int
    status: Status
    detail: str

    def line(self) -> str:
        return f"step {self.number} {self.status}: {STEPS[self.number]}" + (
            f" ({self.detail})" if self.detail else ""
        )


@dataclass
class Checklist:
    """The eight steps against one deployment; `run()` returns one result per step."""

    base_url: str
    token: str | None
    tempo_url: str | None = None
    report_dir: Path | None = None
    jobs_timeout: float = 120.0
    trace_timeout: float = 60.0
    request_timeout: float = 60.0
    kpi_trace_id: str | None = field(default=None, init=False)

    def _client(self, *, auth: bool) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        return httpx.Client(
            base_url=self.base_url.rstrip("/"), headers=headers, timeout=self.request_timeout
        )

    def _authed(self) -> httpx.Client:
        if not self.token:
            raise StepFailed("no token: pass TOKEN=… (or run the local provider for make token)")
        return self._client(auth=True)

    @staticmethod
    def _expect(response: httpx.Response, status: int) -> None:
        if response.status_code != status:
            raise StepFailed(f"HTTP {response.status_code}: {response.text[:300]}")

    def step_1(self) -> str:
        with self._client(auth=False) as client:
            response = client.get("/api/config")
        self._expect(response, 200)
        body = response.json()
        keys = {"oidc_enabled", "oidc_authority", "frontend_oidc_client_id", "frontend_oidc_scope"}
        if set(body) != keys:
            raise StepFailed(f"keys {sorted(body)}, expected {sorted(keys)}")
        if body["oidc_enabled"] and not (
            body["oidc_authority"] and body["frontend_oidc_client_id"]
        ):
            raise StepFailed("OIDC is enabled but the authority or client id is empty")
        return f"authority {body['oidc_authority'] or '(OIDC disabled)'}"

    def step_2(self) -> str:
        with self._client(auth=False) as client:
            response = client.get("/api/health")
        self._expect(response, 200)
        if response.json() != {"status": "ok"}:
            raise StepFailed(f"answered {response.text[:200]}")
        return ""

    def step_3(self) -> str:
        with self._authed() as client:
            response = client.get("/api/aw/sales/kpis")
        self._expect(response, 200)
        if not response.json():
            raise StepFailed("empty answer")
        self.kpi_trace_id = response.headers.get("x-trace-id")
        return f"x-trace-id {self.kpi_trace_id}" if self.kpi_trace_id else "no x-trace-id header"

    def step_4(self) -> str:
        with self._authed() as client:
            response = client.get("/api/audit", params={"domain": "aw", "limit": 200})
        self._expect(response, 200)
        rows = [row for row in response.json()["items"] if row["action"] == "sales.kpis"]
        if self.kpi_trace_id:
            rows = [row for row in rows if row["trace_id"] == self.kpi_trace_id]
        if not rows:
            wanted = f" with trace id {self.kpi_trace_id}" if self.kpi_trace_id else ""
            raise StepFailed(f"no sales.kpis row{wanted}")
        return f"row {rows[0]['id']} by {rows[0]['actor']}, outcome {rows[0]['outcome']}"

    def step_5(self) -> str:
        deadline = time.monotonic() + self.jobs_timeout
        with self._authed() as client:
            while True:
                response = client.get("/api/jobs/aw", params={"limit": 50})
                self._expect(response, 200)
                runs = [item for item in response.json()["items"] if item["status"] != "running"]
                if runs:
                    return (
                        f"{len(runs)} finished runs, latest {runs[0]['job_id']} {runs[0]['status']}"
                    )
                if time.monotonic() >= deadline:
                    raise StepFailed(f"no finished job run within {self.jobs_timeout:.0f}s")
                time.sleep(2)

    def step_6(self) -> str:
        with self._authed() as client:
            response = client.get("/api/aw/export/sales-forecast", params={"format": "xlsx"})
        self._expect(response, 200)
        disposition = response.headers.get("content-disposition", "")
        if "attachment" not in disposition or ".xlsx" not in disposition:
            raise StepFailed(f"content-disposition {disposition!r}")
        try:
            names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        except zipfile.BadZipFile:
            raise StepFailed("the body is not an XLSX (zip) file") from None
        if "xl/workbook.xml" not in names:
            raise StepFailed("the zip has no xl/workbook.xml")
        return f"{len(response.content)} bytes"

    def step_7(self) -> str:
        with self._authed() as client:
            response = client.post("/api/reports/generate")
        self._expect(response, 201)
        body = response.json()
        files = {kind: body[kind] for kind in ("xlsx", "pdf")}
        for kind, info in files.items():
            if not info["path"].endswith(f".{kind}") or info["size_bytes"] <= 0:
                raise StepFailed(f"{kind}: {info}")
            if self.report_dir is not None:
                local = self.report_dir / Path(info["path"]).name
                if not local.is_file() or local.stat().st_size != info["size_bytes"]:
                    raise StepFailed(f"{local} missing or of another size")
        where = f" (both found in {self.report_dir})" if self.report_dir else ""
        return f"{files['xlsx']['path']}, {files['pdf']['path']}{where}"

    def step_8(self) -> str:
        if not self.tempo_url:
            raise StepSkipped("TEMPO_URL not given")
        if not self.kpi_trace_id:
            raise StepFailed("no trace id from step 3")
        deadline = time.monotonic() + self.trace_timeout
        problems = ["no spans yet"]
        while time.monotonic() < deadline:
            try:
                problems = chain_problems(fetch_trace(self.tempo_url, self.kpi_trace_id)) or []
            except httpx.HTTPError as error:
                problems = [f"Tempo: {error!r}"]
            if not problems:
                return f"trace {self.kpi_trace_id}"
            time.sleep(1)
        raise StepFailed(f"after {self.trace_timeout:.0f}s: {'; '.join(problems)}")

    def run(self, report: Callable[[StepResult], Any] = lambda result: None) -> list[StepResult]:
        results = []
        for number in STEPS:
            step: Callable[[], str] = getattr(self, f"step_{number}")
            try:
                result = StepResult(number, "passed", step())
            except StepSkipped as skipped:
                result = StepResult(number, "skipped", str(skipped))
            except StepFailed as failed:
                result = StepResult(number, "failed", str(failed))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                result = StepResult(number, "failed", f"{type(error).__name__}: {error}")
            results.append(result)
            report(result)
        return results


def _token_from_local_provider(idp_url: str) -> str | None:
    """The demo user's token from `make up`'s provider, when it runs; None otherwise."""
    from devtools.idp import IdpError, get_user_token

    try:
        return get_user_token(idp_url)
    except (IdpError, httpx.HTTPError, KeyError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    env = os.environ
    parser.add_argument("--base-url", default=env.get("BASE_URL") or "http://127.0.0.1:8000")
    parser.add_argument("--token", default=env.get("TOKEN") or None)
    parser.add_argument("--tempo-url", default=env.get("TEMPO_URL") or None)
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=env.get("REPORT_DIR") or None,
        help="where the deployment's REPORT_OUTPUT_DIR is visible from here (step 7 checks it)",
    )
    parser.add_argument("--idp-url", default=env.get("IDP_URL") or "http://127.0.0.1:9000")
    parser.add_argument("--jobs-timeout", type=float, default=120.0)
    parser.add_argument("--trace-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    token = args.token or _token_from_local_provider(args.idp_url)
    source = "" if args.token or not token else f" (the demo user's token from {args.idp_url})"
    print(f"verifying {args.base_url}{source}", flush=True)
    checklist = Checklist(
        base_url=args.base_url,
        token=token,
        tempo_url=args.tempo_url,
        report_dir=args.report_dir,
        jobs_timeout=args.jobs_timeout,
        trace_timeout=args.trace_timeout,
    )
    results = checklist.run(lambda result: print(result.line(), flush=True))
    failed = [result.number for result in results if result.status == "failed"]
    print("all steps passed" if not failed else f"failed steps: {failed}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
