"""`make up`: demo data, a throwaway PostgreSQL, the local OpenID provider, and every service.

Everything listens on 127.0.0.1. The services run under honcho from a Procfile written for this
run (only the services that exist in the tree), with one environment computed here: a random
internal secret, the write store URL, and the gateway pointed at the local provider so that auth
stays on. Ctrl-C (or SIGTERM) stops the services, then the provider, then PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# scripts/ holds token.py, which would shadow the standard library's `token` module: replace the
# script folder on sys.path with the repository root before anything else is imported.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)
sys.path.insert(1, str(REPO / "backend"))

import contextlib  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402

from devtools import idp as local_idp  # noqa: E402
from devtools.postgres import ThrowawayPostgres  # noqa: E402

VAR = Path(os.environ.get("OTEL_BI_VAR_DIR", REPO / "var"))
PORTS = {
    "api-gateway": int(os.environ.get("API_GATEWAY_PORT", "8000")),
    "aw-service": int(os.environ.get("AW_SERVICE_PORT", "8001")),
    "wwi-service": int(os.environ.get("WWI_SERVICE_PORT", "8002")),
    "business-telemetry": int(os.environ.get("TELEMETRY_PORT", "8080")),
}
IDP_PORT = int(os.environ.get("IDP_PORT", "9000"))

# name -> (module file that must exist, working dir, uvicorn target, health path)
SERVICES = {
    "aw-service": ("backend/services/aw_service/main.py", "backend", "services.aw_service.main:app",
                   "/health"),
    "wwi-service": ("backend/services/wwi_service/main.py", "backend",
                    "services.wwi_service.main:app", "/health"),
    "api-gateway": ("backend/services/api_gateway/main.py", "backend",
                    "services.api_gateway.main:app", "/api/health"),
    "business-telemetry": ("business-telemetry/main.py", "business-telemetry", "main:app",
                           "/health"),
}  # fmt: skip


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def ensure_demo_data() -> Path:
    """Build (or confirm up to date: the builder is idempotent) the demo warehouses."""
    folder = Path(os.environ.get("DEMO_WAREHOUSE_DIR", VAR / "demo"))
    say(f"demo warehouses in {folder}")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "demo", "build", "--out", str(folder)],
        cwd=REPO / "backend",
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "backend")},
    )
    return folder


def environment(postgres_url: str, idp_url: str, demo_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("INTERNAL_SERVICE_SHARED_SECRET", secrets.token_urlsafe(48))
    env.setdefault("REQUIRE_FRONTEND_AUTH", "true")
    env.setdefault("FRONTEND_JWT_ISSUER_URL", idp_url)
    env.setdefault("FRONTEND_JWT_AUDIENCE", local_idp.API_AUDIENCE)
    env.setdefault("FRONTEND_REQUIRED_SCOPES", local_idp.API_SCOPE)
    env.setdefault("OIDC_ENABLED", "true")
    env.setdefault("OIDC_AUTHORITY", idp_url)
    env.setdefault("FRONTEND_OIDC_CLIENT_ID", local_idp.FRONTEND_CLIENT_ID)
    env.setdefault("FRONTEND_OIDC_SCOPE", f"openid profile email {local_idp.API_SCOPE}")
    env.setdefault("REPORT_OUTPUT_DIR", str(VAR / "reports"))
    env.setdefault("CORS_ALLOWED_ORIGINS", "http://127.0.0.1:5173,http://localhost:5173")
    env["POSTGRES_URL"] = postgres_url
    env["DEMO_WAREHOUSE_DIR"] = str(demo_dir)
    env["AW_SERVICE_URL"] = f"http://127.0.0.1:{PORTS['aw-service']}"
    env["WWI_SERVICE_URL"] = f"http://127.0.0.1:{PORTS['wwi-service']}"
    env.setdefault("FABRIC_SINK_TYPE", "file")
    env.setdefault("FABRIC_OUTPUT_DIR", str(VAR / "telemetry" / "events"))
    env.setdefault("FABRIC_SPOOL_DIR", str(VAR / "telemetry" / "spool"))
    env.setdefault("FABRIC_ENVIRONMENT", "development")
    env["PYTHONPATH"] = str(REPO / "backend")
    return env


def write_procfile(present: list[str]) -> Path:
    lines = []
    for name in present:
        _, cwd, target, _ = SERVICES[name]
        lines.append(
            f"{name}: cd {REPO / cwd} && exec {sys.executable} -m uvicorn {target} "
            f"--host 127.0.0.1 --port {PORTS[name]} --log-level info"
        )
    procfile = VAR / "Procfile"
    procfile.write_text("\n".join(lines) + "\n")
    return procfile


def wait_healthy(present: list[str], runner: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(present)
    while pending and time.monotonic() < deadline:
        if runner.poll() is not None:
            raise RuntimeError("a service exited during start-up; see its log above")
        for name in list(pending):
            url = f"http://127.0.0.1:{PORTS[name]}{SERVICES[name][3]}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1).status_code == 200:
                    pending.remove(name)
        time.sleep(0.3)
    if pending:
        raise RuntimeError(f"not healthy after {timeout:.0f}s: {', '.join(pending)}")


def print_urls(present: list[str], idp_url: str, postgres_url: str) -> None:
    print("\notel-bi is up (Ctrl-C stops everything):", flush=True)
    for name in present:
        print(f"  {name:<20} http://127.0.0.1:{PORTS[name]}")
    print(f"  {'identity provider':<20} {idp_url}  (user {local_idp.DEMO_USERNAME} / "
          f"{local_idp.DEMO_PASSWORD})")  # fmt: skip
    print(f"  {'postgresql':<20} {postgres_url}")
    if "api-gateway" in present:
        gateway = f"http://127.0.0.1:{PORTS['api-gateway']}"
        print("\nTry it:")
        print(f'  curl -H "Authorization: Bearer $(make -s token)" {gateway}/api/aw/sales/kpis')
        print(f"  open {gateway}/docs for the API reference")
    print("READY", flush=True)


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    demo_dir = ensure_demo_data()
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with contextlib.ExitStack() as stack:
        postgres_url = os.environ.get("POSTGRES_URL", "")
        if not postgres_url:
            say("starting a throwaway PostgreSQL (POSTGRES_URL is unset)")
            server = ThrowawayPostgres()
            stack.callback(server.destroy)
            postgres_url = server.start()
        say("starting the local OpenID provider")
        provider = local_idp.start_idp(data_dir=VAR / "idp", port=IDP_PORT)
        stack.callback(provider.stop)
        idp_url = provider.issuer
        present = [name for name in SERVICES if (REPO / SERVICES[name][0]).exists()]
        procfile = write_procfile(present)
        say(f"starting {', '.join(present)}")
        runner = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(REPO)],
            env=environment(postgres_url, idp_url, demo_dir),
            start_new_session=True,
        )

        def stop_runner() -> None:
            if runner.poll() is None:
                os.killpg(runner.pid, signal.SIGTERM)
                try:
                    runner.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(runner.pid, signal.SIGKILL)
                    runner.wait()

        stack.callback(stop_runner)
        try:
            wait_healthy(present, runner, timeout=120)
        except RuntimeError as error:
            say(str(error))
            return 1
        print_urls(present, idp_url, postgres_url)
        while not stopping and runner.poll() is None:
            time.sleep(0.2)
        say("stopping")
        return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
