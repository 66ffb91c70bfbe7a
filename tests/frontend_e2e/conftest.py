"""The SPA in headless Chromium against the real stack: fixtures.

`spa` builds frontend/ with the gateway's URL and the test's OTLP receiver baked in (the four
VITE_ variables), serves it with `vite preview` on http://127.0.0.1:5173 (the redirect URI the
local provider's SPA client allows) and puts a gateway with CORS for that origin in front of the
session stack. The provider is a second local one whose access tokens live 75 s, so the session
must renew itself during the suite. `page` is one signed-out tab of Debian's Chromium, driven
by Playwright with its executable path (no downloaded browser), profile and XDG dirs temporary.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    sync_playwright,
)

from devtools.idp import IDP_DIR, RunningIdp, start_idp
from tests.support.live_server import REPO, poll_until
from tests.support.stack_fixtures import Stack, auth_env, spawn_gateway

FRONTEND = REPO / "frontend"
ORIGIN = "http://127.0.0.1:5173"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TOKEN_TTL_SECONDS = 75  # oidc-client-ts renews 60 s before expiry: ~15 s after each sign-in
OUTPUT = Path(os.environ.get("OTEL_BI_TEST_OUTPUT", REPO / "test-output")) / "frontend_e2e"


@dataclass
class Spa:
    url: str
    gateway: str
    issuer: str
    stack: Stack


@dataclass
class RecordedCall:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class Recorder:
    """Every request the page sends to the gateway, with its headers."""

    gateway: str
    calls: list[RecordedCall] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        """Errors and warnings logged by the app's own pages (not the provider's)."""
        where = message.location.get("url") or ""
        if message.type in {"error", "warning"} and where.startswith(ORIGIN):
            self.console_errors.append(f"{message.type}: {message.text} ({where})")

    def __call__(self, request: Request) -> None:
        if request.url.startswith(self.gateway + "/api/"):
            self.calls.append(RecordedCall(request.method, request.url, request.all_headers()))


def _npm_ready() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        subprocess.run(["bash", str(REPO / "scripts" / "ensure-node-deps.sh")], check=True)


@pytest.fixture(scope="session")
def short_lived_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIdp]:
    folder = tmp_path_factory.mktemp("idp-short")
    config = json.loads((IDP_DIR / "config.json").read_text(encoding="utf-8"))
    config["accessTokenTtlSeconds"] = TOKEN_TTL_SECONDS
    path = folder / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with start_idp(data_dir=folder / "data", port=0, config=path) as running:
        yield running


@pytest.fixture(scope="module")
def spa(
    live_stack: Stack, short_lived_idp: RunningIdp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Spa]:
    _npm_ready()
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(ORIGIN, timeout=1)
        pytest.fail(f"{ORIGIN} is taken (a running make up?): the provider only allows that origin")
    gateway = spawn_gateway(
        live_stack, **auth_env(short_lived_idp.issuer), CORS_ALLOWED_ORIGINS=ORIGIN
    )
    out = tmp_path_factory.mktemp("spa") / "dist"
    build_env = {
        **os.environ,
        "VITE_API_BASE_URL": gateway.url,
        "VITE_OTEL_COLLECTOR_ENDPOINT": live_stack.otlp.endpoint,
        "VITE_OTEL_SERVICE_NAME": "otel-bi-frontend",
        "VITE_OTEL_SERVICE_NAMESPACE": "otel-bi",
    }
    vite = str(FRONTEND / "node_modules" / ".bin" / "vite")
    subprocess.run(
        [vite, "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"],
        cwd=FRONTEND,
        env=build_env,
        check=True,
    )
    log = (out.parent / "preview.log").open("wb")
    server = subprocess.Popen(
        [vite, "preview", "--outDir", str(out), "--host", "127.0.0.1", "--port", "5173"],
        cwd=FRONTEND,
        env={**os.environ, "OTEL_BI_GATEWAY_URL": gateway.url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        poll_until(
            lambda: httpx.get(ORIGIN + "/", timeout=2).status_code == 200,
            timeout=30,
            what="vite preview on 5173",
        )
        yield Spa(ORIGIN, gateway.url, short_lived_idp.issuer, live_stack)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        gateway.stop()


@pytest.fixture(scope="module")
def playwright(spa: Spa) -> Iterator[Playwright]:
    """Module-scoped and started after the stack: while it runs, the main thread has an event
    loop, so fixtures that call asyncio.run (the stack's database) must come before it."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make deps` (scripts/ensure-system-deps.sh)")
    home = tmp_path_factory.mktemp("chromium-home")
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env
    )
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def session_page(browser: Browser, spa: Spa) -> Iterator[tuple[Page, Recorder]]:
    """One tab for a whole module: the tests of a module follow one user's session in order."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    recorder = Recorder(spa.gateway)
    page.on("request", recorder)
    page.on("console", recorder.console)
    page.on("pageerror", lambda error: recorder.console_errors.append(f"uncaught: {error}"))
    yield page, recorder
    context.close()


def screenshot_dir() -> Path:
    folder = OUTPUT / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_output() -> None:
    shutil.rmtree(OUTPUT / "screenshots", ignore_errors=True)


def kpi_value(data: dict[str, Any], channel: str, key: str) -> Any:
    return next(c for c in data["current"]["channels"] if c["channel"] == channel)[key]
