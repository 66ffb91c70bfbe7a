"""`make up`: demo data, a throwaway PostgreSQL, the local OpenID provider, and every service.

Everything listens on 127.0.0.1. The services run under honcho from a Procfile written for this
run (only the services that exist in the tree), with one environment computed here: a random
internal secret, the write store URL, and the gateway pointed at the local provider so that auth
stays on. Those are only defaults: a variable set in the process environment or in
`backend/.env` wins (environment > backend/.env > these defaults), and a POSTGRES_URL from either
means no throwaway server. Ctrl-C (or SIGTERM), at any point, stops what has started so far:
the services, then the provider, then PostgreSQL, without a traceback.
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
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import NamedTuple  # noqa: E402

import httpx  # noqa: E402
from dotenv import dotenv_values  # noqa: E402 - pydantic-settings reads .env with it too

from demo.provenance import read_provenance  # noqa: E402
from devtools import idp as local_idp  # noqa: E402
from devtools.postgres import ThrowawayPostgres  # noqa: E402
from shared.core.config import BACKEND_DIR, ENV_FILE  # noqa: E402

VAR = Path(os.environ.get("OTEL_BI_VAR_DIR", REPO / "var"))
PORTS = {
    "api-gateway": int(os.environ.get("API_GATEWAY_PORT", "8000")),
    "aw-service": int(os.environ.get("AW_SERVICE_PORT", "8001")),
    "wwi-service": int(os.environ.get("WWI_SERVICE_PORT", "8002")),
    "business-telemetry": int(os.environ.get("TELEMETRY_PORT", "8080")),
}
IDP_PORT = int(os.environ.get("IDP_PORT", "9000"))
# The SPA's origin is fixed: it is the redirect URI the local provider's `otel-bi-frontend` allows.
FRONTEND_DIR = REPO / "frontend"
FRONTEND_URL = "http://127.0.0.1:5173"

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


STOP = threading.Event()  # set by SIGINT/SIGTERM; every wait below checks it
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "off"})  # as pydantic reads a bool
# `python -m demo build`, but a Ctrl-C ends it with status 130 instead of a traceback (its
# `finally` blocks still remove the half-built file).
_DEMO_BUILD = (
    "import sys\nfrom demo.__main__ import main\n"
    "try:\n    sys.exit(main(sys.argv[1:]))\nexcept KeyboardInterrupt:\n    sys.exit(130)\n"
)


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived: unwind, cleaning up whatever has started."""


def check_stop() -> None:
    if STOP.is_set():
        raise Stopped


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """`backend/.env` as the services read it (names are case-insensitive there: upper-cased)."""
    if not path.is_file():
        return {}
    return {name.upper(): value for name, value in dotenv_values(path).items() if value is not None}


def configured(name: str, process_env: Mapping[str, str], file_env: Mapping[str, str]) -> str:
    """The value a service will see for `name` without make up's defaults ("" when unset)."""
    return process_env.get(name, file_env.get(name, ""))


def demo_dir_for(process_env: Mapping[str, str], file_env: Mapping[str, str]) -> Path:
    """DEMO_WAREHOUSE_DIR as the services resolve it (relative to backend/, their working dir)."""
    value = configured("DEMO_WAREHOUSE_DIR", process_env, file_env)
    return BACKEND_DIR / value if value else VAR / "demo"


DATA_DIR_VARIABLES = {"aw": "AW_DATA_DIR", "wwi": "WWI_DATA_DIR"}
DEFAULT_SEED, DEFAULT_SCALE = 42, 1.0


class WarehousePlan(NamedTuple):
    """How `make up` gets one warehouse: the build arguments, or None to use the file as it is."""

    name: str
    arguments: tuple[str, ...] | None
    note: str | None = None  # one line saying what happens to a warehouse built from real files


def plan_warehouse(name: str, folder: Path, process_env: Mapping[str, str]) -> WarehousePlan:
    """AW_DATA_DIR / WWI_DATA_DIR load Microsoft's files; without them a warehouse that was built
    from real files is kept (rebuilt from the same files only if they or the builder changed),
    and a generated one keeps its seed and scale. Never silently replaced by generated data."""
    variable = DATA_DIR_VARIABLES[name]
    requested = process_env.get(variable, "").strip()
    if requested:
        data_dir = Path(requested).expanduser().resolve()  # relative to where make up started
        if not data_dir.is_dir():
            raise RuntimeError(f"{variable}={requested} is not a folder")
        return WarehousePlan(name, ("--aw-data-dir" if name == "aw" else "--wwi-data-dir",
                                    str(data_dir)))  # fmt: skip
    recorded = read_provenance(folder, name)
    if recorded is None:
        return WarehousePlan(name, ("--seed", str(DEFAULT_SEED), "--scale", str(DEFAULT_SCALE)))
    generated = ("--seed", str(recorded.seed), "--scale", str(recorded.scale))
    if recorded.data_dir is None:
        return WarehousePlan(name, generated)
    shown = os.path.relpath(recorded.data_dir, Path.cwd())
    if not recorded.data_dir.is_dir():
        note = (f"{name}: keeping the warehouse built from Microsoft's files in {shown}, as it is "
                f"(that folder is gone; `make demo-data` regenerates it)")  # fmt: skip
        return WarehousePlan(name, None, note)
    note = (f"{name}: keeping the warehouse built from Microsoft's files in {shown} ({variable} is "
            f"unset; `make demo-data` regenerates it from the generator)")  # fmt: skip
    flag = "--aw-data-dir" if name == "aw" else "--wwi-data-dir"
    return WarehousePlan(name, (flag, str(recorded.data_dir), *generated), note)


def ensure_demo_data(folder: Path, process_env: Mapping[str, str]) -> None:
    """Build (or confirm up to date: the builder is idempotent) each demo warehouse."""
    say(f"demo warehouses in {folder}")
    for name in DATA_DIR_VARIABLES:
        plan = plan_warehouse(name, folder, process_env)
        if plan.note:
            say(plan.note)
        if plan.arguments is not None:
            _run_demo_build(["build", "--out", str(folder), "--only", name, *plan.arguments])


def _run_demo_build(arguments: list[str]) -> None:
    # Its own session: the terminal's Ctrl-C reaches only us, and we pass on exactly one SIGINT.
    build = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", _DEMO_BUILD, *arguments],
        cwd=REPO / "backend",
        env={**os.environ, "PYTHONPATH": str(REPO / "backend")},
        start_new_session=True,
    )
    while build.poll() is None:
        if STOP.wait(0.1):
            build.send_signal(signal.SIGINT)
            build.wait()
            raise Stopped
    if build.returncode != 0:
        raise RuntimeError(f"building the demo warehouses failed (exit {build.returncode})")


def print_warehouses(folder: Path) -> None:
    """Which data each warehouse holds: generated (seed, scale) or Microsoft's files."""
    print("\nwarehouses:", flush=True)
    for name in DATA_DIR_VARIABLES:
        recorded = read_provenance(folder, name)
        shown = recorded.describe(Path.cwd()) if recorded else "no manifest (built elsewhere)"
        print(f"  {name:<20} {shown}", flush=True)


def environment(
    postgres_url: str,
    idp_url: str,
    demo_dir: Path,
    *,
    process_env: Mapping[str, str],
    file_env: Mapping[str, str],
) -> dict[str, str]:
    """The services' environment: `process_env`, plus make up's defaults where neither sets a value.

    Values in `backend/.env` (`file_env`) are left out rather than copied: the backend services
    read that file themselves, after the environment, so leaving a name unset lets the file win.
    """
    env = dict(process_env)
    defaults = {
        "INTERNAL_SERVICE_SHARED_SECRET": secrets.token_urlsafe(48),
        "REQUIRE_FRONTEND_AUTH": "true",
        "FRONTEND_JWT_ISSUER_URL": idp_url,
        "FRONTEND_JWT_AUDIENCE": local_idp.API_AUDIENCE,
        "FRONTEND_REQUIRED_SCOPES": local_idp.API_SCOPE,
        "OIDC_ENABLED": "true",
        "OIDC_AUTHORITY": idp_url,
        "FRONTEND_OIDC_CLIENT_ID": local_idp.FRONTEND_CLIENT_ID,
        "FRONTEND_OIDC_SCOPE": f"openid profile email {local_idp.API_SCOPE}",
        "REPORT_OUTPUT_DIR": str(VAR / "reports"),
        "CORS_ALLOWED_ORIGINS": "http://127.0.0.1:5173,http://localhost:5173",
        "FABRIC_SINK_TYPE": "file",
        "FABRIC_OUTPUT_DIR": str(VAR / "telemetry" / "events"),
        "FABRIC_SPOOL_DIR": str(VAR / "telemetry" / "spool"),
        "FABRIC_ENVIRONMENT": "development",
    }
    for name, value in defaults.items():
        if name not in process_env and name not in file_env:
            env[name] = value
    # What make up itself decided: the write store it chose, the warehouses it built, its ports.
    env["POSTGRES_URL"] = postgres_url
    env["DEMO_WAREHOUSE_DIR"] = str(demo_dir)
    env["AW_SERVICE_URL"] = f"http://127.0.0.1:{PORTS['aw-service']}"
    env["WWI_SERVICE_URL"] = f"http://127.0.0.1:{PORTS['wwi-service']}"
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
        check_stop()
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


def wait_frontend(server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_stop()
        if server.poll() is not None:
            raise RuntimeError(f"the frontend server exited ({server.returncode}); is 5173 taken?")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{FRONTEND_URL}/", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the frontend did not answer on {FRONTEND_URL} within {timeout:.0f}s")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def build_frontend() -> bool:
    """`npm run build` of the SPA (same-origin API: `/api` is proxied by its server)."""
    if not (FRONTEND_DIR / "node_modules" / ".bin" / "vite").exists():
        say("frontend/node_modules is missing (run `make deps`): not serving the SPA")
        return False
    if not _port_free(int(FRONTEND_URL.rsplit(":", 1)[1])):
        say(f"{FRONTEND_URL} is taken (another make up?): not serving the SPA")
        return False
    say("building the frontend (npm run build)")
    result = subprocess.run(
        ["npm", "run", "--silent", "build", "--", "--logLevel", "warn"],  # noqa: S607
        cwd=FRONTEND_DIR,
        env={**os.environ, "VITE_API_BASE_URL": os.environ.get("VITE_API_BASE_URL", "")},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the frontend failed (exit {result.returncode})")
    return True


def serve_frontend(gateway_url: str) -> subprocess.Popen[bytes]:
    """`vite preview` of the build on 127.0.0.1:5173, proxying `/api` to the gateway."""
    return subprocess.Popen(  # noqa: S603
        [str(FRONTEND_DIR / "node_modules" / ".bin" / "vite"), "preview", "--logLevel", "warn"],
        cwd=FRONTEND_DIR,
        env={**os.environ, "OTEL_BI_GATEWAY_URL": gateway_url},
        start_new_session=True,
    )


def print_urls(
    present: list[str], idp_url: str, postgres_url: str, *, auth_on: bool, frontend: bool = False
) -> None:
    print("\notel-bi is up (Ctrl-C stops everything):", flush=True)
    if frontend:
        login = f"sign in as {local_idp.DEMO_USERNAME} / {local_idp.DEMO_PASSWORD}"
        print(f"  {'frontend':<20} {FRONTEND_URL}/  ({login if auth_on else 'auth off'})")
    for name in present:
        print(f"  {name:<20} http://127.0.0.1:{PORTS[name]}")
    print(f"  {'identity provider':<20} {idp_url}  (user {local_idp.DEMO_USERNAME} / "
          f"{local_idp.DEMO_PASSWORD})")  # fmt: skip
    print(f"  {'postgresql':<20} {postgres_url}")
    if "api-gateway" in present:
        gateway = f"http://127.0.0.1:{PORTS['api-gateway']}"
        print("\nTry it:")
        if auth_on:  # /docs is not served while auth is on; the OpenAPI document needs a token
            bearer = '-H "Authorization: Bearer $(make -s token)"'
            print(f"  curl {bearer} {gateway}/api/aw/sales/kpis")
            print(f"  curl {bearer} {gateway}/openapi.json   (the API reference)")
        else:
            print(f"  curl {gateway}/api/aw/sales/kpis")
            print(f"  open {gateway}/docs for the API reference")
    print("READY", flush=True)


def run(stack: contextlib.ExitStack) -> int:
    """Start everything in order, registering each part's cleanup on `stack` as it starts."""
    process_env, file_env = dict(os.environ), read_env_file()
    demo_dir = demo_dir_for(process_env, file_env)
    ensure_demo_data(demo_dir, process_env)
    check_stop()
    postgres_url = configured("POSTGRES_URL", process_env, file_env)
    if not postgres_url:
        say("starting a throwaway PostgreSQL (POSTGRES_URL is unset)")
        server = ThrowawayPostgres()
        stack.callback(server.destroy)
        postgres_url = server.start()
    check_stop()
    say("starting the local OpenID provider")
    provider = local_idp.start_idp(data_dir=VAR / "idp", port=IDP_PORT)
    stack.callback(provider.stop)
    check_stop()
    idp_url = provider.issuer
    frontend = (FRONTEND_DIR / "package.json").exists() and build_frontend()
    check_stop()
    present = [name for name in SERVICES if (REPO / SERVICES[name][0]).exists()]
    procfile = write_procfile(present)
    say(f"starting {', '.join(present)}")
    env = environment(postgres_url, idp_url, demo_dir, process_env=process_env, file_env=file_env)
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(REPO)],
        env=env,
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
    wait_healthy(present, runner, timeout=120)
    if frontend and "api-gateway" in present:
        spa = serve_frontend(f"http://127.0.0.1:{PORTS['api-gateway']}")
        stack.callback(lambda: (spa.terminate(), spa.wait(timeout=10)))
        wait_frontend(spa)
    auth = configured("REQUIRE_FRONTEND_AUTH", env, file_env) or "true"
    print_warehouses(demo_dir)
    auth_on = auth.strip().lower() not in FALSE_WORDS
    print_urls(present, idp_url, postgres_url, auth_on=auth_on, frontend=frontend)
    while not STOP.is_set() and runner.poll() is None:
        time.sleep(0.2)
    say("stopping")
    return 0 if STOP.is_set() else 1


def main() -> int:
    # Installed first, so a Ctrl-C during the demo build or any start-up step unwinds cleanly.
    signal.signal(signal.SIGTERM, lambda signum, frame: STOP.set())
    signal.signal(signal.SIGINT, lambda signum, frame: STOP.set())
    VAR.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.ExitStack() as stack:
            return run(stack)
    except Stopped:
        say("stopping")
        return 0
    except Exception as error:
        if STOP.is_set():  # a step that Ctrl-C interrupted (initdb got the SIGINT too): a stop
            say("stopping")
            return 0
        if isinstance(error, RuntimeError):  # a failed step that names itself
            say(str(error))
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
