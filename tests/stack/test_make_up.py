"""`make up`: the environment it computes, and the newcomer's path: a clean clone's `make up`
comes up, answers on the printed URLs, passes `make verify`, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from devtools.idp import get_user_token
from shared.core.config import build_settings
from tests.support.live_server import free_port, poll_until
from tests.support.otlp_receiver import OtlpReceiver

REPO = Path(__file__).resolve().parents[2]
PORT_VARIABLES = ("API_GATEWAY_PORT", "AW_SERVICE_PORT", "WWI_SERVICE_PORT", "TELEMETRY_PORT",
                  "IDP_PORT")  # fmt: skip
URL_LINE = re.compile(r"^  ([a-z][a-z -]*?)\s{2,}(http://127\.0\.0\.1:\d+)", re.M)
# Room for the whole first run (uv sync, every npm ci, the demo build, start-up) on a busy machine.
NEWCOMER_READY_SECONDS = 600


def _up_script() -> ModuleType:
    """scripts/up.py as a module (scripts/ is no package; its `main()` is not run)."""
    spec = importlib.util.spec_from_file_location("otel_bi_up", REPO / "scripts" / "up.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _start_make_up(
    env: dict[str, str],
) -> tuple[subprocess.Popen[str], list[str], threading.Thread]:
    """scripts/up.py in its own session (a signal to its group acts as Ctrl-C); the list fills
    with its output lines as the thread reads them."""
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "up.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    return process, lines, reader


def test_environment_beats_backend_env_which_beats_make_up_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    up = _up_script()
    env_file = tmp_path / ".env"
    env_file.write_text(
        "REQUIRE_FRONTEND_AUTH=false\n"
        "POSTGRES_URL=postgresql://file@db.example/filedb\n"
        "frontend_jwt_audience=from-file\n"  # names are case-insensitive, as for the services
        "DEMO_WAREHOUSE_DIR=/data/demo\n"
        "LOG_LEVEL=WARNING\n"
    )
    file_env = up.read_env_file(env_file)
    process_env = {"LOG_LEVEL": "DEBUG", "FRONTEND_REQUIRED_SCOPES": "from.env"}
    postgres_url = up.configured("POSTGRES_URL", process_env, file_env)
    assert postgres_url == "postgresql://file@db.example/filedb"  # so no throwaway server
    assert up.configured("POSTGRES_URL", process_env, {}) == ""
    assert up.demo_dir_for(process_env, file_env) == Path("/data/demo")
    child = up.environment(
        postgres_url,
        "http://127.0.0.1:9",
        Path("/data/demo"),
        process_env=process_env,
        file_env=file_env,
    )
    # What a backend service then sees: the child environment first, the same file after it.
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in child.items():
        monkeypatch.setenv(name, value)
    settings = build_settings(_env_file=env_file)
    assert settings.require_frontend_auth is False  # the file beats make up's "true"
    assert settings.frontend_jwt_audience == "from-file"
    assert settings.log_level == "DEBUG"  # the environment beats the file
    assert settings.frontend_required_scopes == "from.env"
    assert settings.frontend_jwt_issuer_url == "http://127.0.0.1:9"  # neither: make up's default
    assert settings.demo_warehouse_dir == Path("/data/demo")
    assert settings.internal_service_shared_secret is not None


@pytest.mark.parametrize("auth_on", [True, False])
def test_printed_hints_are_true_for_the_auth_mode(
    auth_on: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    up = _up_script()
    up.print_urls(["api-gateway"], "http://127.0.0.1:9000", "postgresql://x", auth_on=auth_on)
    printed = capsys.readouterr().out
    gateway = f"http://127.0.0.1:{up.PORTS['api-gateway']}"
    if auth_on:  # /docs is 404 while auth is on; the OpenAPI document needs the token
        assert "/docs" not in printed
        assert f'-H "Authorization: Bearer $(make -s token)" {gateway}/openapi.json' in printed
    else:
        assert f"open {gateway}/docs" in printed and "make -s token" not in printed


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def _clean_clone(target: Path) -> Path:
    """A fresh `git clone` of this checkout's HEAD commit: what a newcomer starts from."""
    try:
        head = _git("rev-parse", "HEAD")
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("not a git checkout: there is no commit to clone")
    _git("clone", "--quiet", str(REPO), str(target), cwd=target.parent)
    _git("checkout", "--quiet", "--detach", head, cwd=target)
    return target


def test_newcomer_clone_make_up_verifies_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """From a clean clone: `make up` reaches READY in bounded time, its printed URLs answer,
    `make verify` passes against it (step 8 too, through a local trace receiver), and one
    Ctrl-C to the terminal's process group stops every process and frees every port."""
    clone = _clean_clone(tmp_path / "otel-bi")
    ports = {name: free_port() for name in PORT_VARIABLES}
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"POSTGRES_URL", "VIRTUAL_ENV", "DEMO_WAREHOUSE_DIR", "OTEL_BI_VAR_DIR"}
    }
    with OtlpReceiver() as otlp:
        env |= {name: str(port) for name, port in ports.items()}
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.endpoint
        process = subprocess.Popen(
            ["make", "up"], cwd=clone, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        printed: dict[str, str] = {}
        try:
            started = time.monotonic()
            poll_until(
                lambda: "READY\n" in lines or process.poll() is not None,
                timeout=NEWCOMER_READY_SECONDS,
                interval=0.5,
                what="make up in a clean clone to print READY",
            )
            output = "".join(lines)
            assert "READY" in output, output[-3000:]
            print(f"make up in a clean clone: READY after {time.monotonic() - started:.0f}s")
            printed = dict(URL_LINE.findall(output))
            for name, url in printed.items():
                path = {
                    "api-gateway": "/api/health",
                    "identity provider": "/.well-known/openid-configuration",
                    "frontend": "/",
                }.get(name, "/health")
                assert httpx.get(url + path, timeout=10).status_code == 200, name
            if "frontend" in printed:  # the SPA's server proxies /api to the gateway
                spa_config = httpx.get(printed["frontend"] + "/api/config", timeout=10).json()
                assert spa_config["frontend_oidc_client_id"] == "otel-bi-frontend"
                first = output[output.index("otel-bi is up") :].splitlines()[1]
                assert first.split()[0] == "frontend" and "demo / demo" in first, first
            gateway = printed["api-gateway"]
            assert httpx.get(f"{gateway}/api/aw/sales/kpis", timeout=30).status_code == 401
            verify = subprocess.run(
                ["make", "-s", "verify", f"BASE_URL={gateway}",
                 f"IDP_URL={printed['identity provider']}", f"TEMPO_URL={otlp.endpoint}",
                 f"REPORT_DIR={clone / 'var' / 'reports'}"],
                cwd=clone, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert verify.returncode == 0, verify.stdout + verify.stderr
            assert verify.stdout.count(" passed: ") == 8, verify.stdout
        finally:
            os.killpg(process.pid, signal.SIGINT)  # the terminal's Ctrl-C: the whole group
            process.wait(timeout=120)
            reader.join(timeout=10)
    output = "".join(lines)
    assert "==> stopping" in output and "Traceback" not in output, output[-3000:]
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of the group is left running
    postgres = re.search(r"postgresql://\S+@127\.0\.0\.1:(\d+)/", output)
    used = [*ports.values(), *([int(postgres.group(1))] if postgres else [])]
    assert not any(_port_open(port) for port in used)


def test_ctrl_c_during_the_demo_build_stops_cleanly(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    env = {
        **os.environ,
        "OTEL_BI_VAR_DIR": str(tmp_path / "var"),
        "DEMO_WAREHOUSE_DIR": str(demo),  # empty: the build takes seconds, time to interrupt it
    }
    process, lines, reader = _start_make_up(env)
    try:
        poll_until(
            lambda: (
                any(line.startswith("aw: from") for line in lines) or process.poll() is not None
            ),
            timeout=60,
            interval=0.05,
            what="the demo build to start",
        )
    finally:
        os.killpg(process.pid, signal.SIGINT)  # as the terminal's Ctrl-C: the whole group
        code = process.wait(timeout=60)
    reader.join(timeout=10)
    output = "".join(lines)
    assert code == 0, output
    assert "Traceback" not in output and "==> stopping" in output, output
    assert not list(demo.glob("*.tmp")), "the interrupted build left a half-built file"


STUB_PYTHON = """#!/bin/sh
# python3 as on a stock Debian 12: no pip until python3-pip is installed; PEP 668 refuses --user.
echo "python3 $*" >> "$STUB_LOG"
case "$*" in
  "-m pip --version") [ -f "$STUB_STATE/pip" ] ;;
  *--break-system-packages*)
    mkdir -p "$HOME/.local/bin" && printf '#!/bin/sh\\n' > "$HOME/.local/bin/uv"
    chmod +x "$HOME/.local/bin/uv" ;;
  *--user*) echo "error: externally-managed-environment" >&2; exit 1 ;;
  *) exit 1 ;;
esac
"""
STUB_APT = """#!/bin/sh
echo "apt-get $*" >> "$STUB_LOG"
case "$*" in *python3-pip*) touch "$STUB_STATE/pip" ;; esac
"""


def test_system_deps_install_uv_on_an_externally_managed_python(tmp_path: Path) -> None:
    """ensure-system-deps.sh with python3 and apt-get replaced by stubs that act as Debian's."""
    if any((Path(folder) / "uv").exists() for folder in ("/usr/sbin", "/usr/bin", "/sbin", "/bin")):
        pytest.skip("uv is installed system-wide here: the script would rightly do nothing")
    stubs, home, log = tmp_path / "bin", tmp_path / "home", tmp_path / "log"
    stubs.mkdir()
    for name, body in (("python3", STUB_PYTHON), ("apt-get", STUB_APT), ("sudo", 'exec "$@"\n')):
        (stubs / name).write_text(body if body.startswith("#!") else f"#!/bin/sh\n{body}")
        (stubs / name).chmod(0o755)
    env = {
        "PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(home),
        "STUB_LOG": str(log),
        "STUB_STATE": str(tmp_path),
    }
    script = REPO / "scripts" / "ensure-system-deps.sh"
    first = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    calls = log.read_text().splitlines()
    assert calls.count("apt-get update -qq") == 1  # once, however many installs follow
    install = calls.index("apt-get install -y -qq --no-install-recommends python3-pip")
    assert calls.index("apt-get update -qq") < install
    assert "python3 -m pip install --quiet --user --break-system-packages uv" in calls
    assert (home / ".local" / "bin" / "uv").exists()
    log.write_text("")
    again = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "uv" not in again.stdout  # idempotent: uv is there
    assert not any(call.startswith("python3") for call in log.read_text().splitlines())


REAL_AW = REPO.parent / "shared" / "data" / "adventureworks-dw"
REAL_AW_INTERNET_REVENUE = 29_358_677.22  # SUM(SalesAmount) of Microsoft's FactInternetSales


def _run_make_up_until_ready(env: dict[str, str], *args: str) -> tuple[str, dict[str, str]]:
    """`make up ARGS` from the repository root until READY, then Ctrl-C; its output and URLs."""
    process = subprocess.Popen(
        ["make", "--no-print-directory", "up", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        poll_until(
            lambda: "READY\n" in lines or process.poll() is not None,
            timeout=300,
            interval=0.2,
            what="make up to print READY",
        )
        output = "".join(lines)
        assert "READY" in output, output[-3000:]
        printed = dict(
            re.findall(r"^  ([a-z][a-z -]*?)\s{2,}(http://127\.0\.0\.1:\d+)", output, re.M)
        )
        token = get_user_token(printed["identity provider"])
        kpis = httpx.get(
            f"{printed['api-gateway']}/api/aw/sales/kpis",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert kpis.status_code == 200, kpis.text
        channels = {c["channel"]: c for c in kpis.json()["whole_warehouse"]["channels"]}
        printed["internet_revenue"] = str(channels["internet"]["revenue"])
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=90)
    reader.join(timeout=10)
    return "".join(lines), printed


def test_make_up_serves_microsofts_files_and_keeps_them(
    demo_warehouse_dir: Path, tmp_path: Path
) -> None:
    """`make up AW_DATA_DIR=…` serves the real AdventureWorksDW; a later `make up` without the
    variable keeps that warehouse and says so, instead of regenerating it."""
    if not (REAL_AW / "FactInternetSales.csv").is_file():
        pytest.skip(f"Microsoft's AdventureWorksDW files are not at {REAL_AW} on this machine")
    demo = tmp_path / "demo"
    demo.mkdir()
    for name in ("wwi.duckdb", "wwi.manifest.json"):  # a generated WWI, already built: kept as is
        shutil.copyfile(demo_warehouse_dir / name, demo / name)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("POSTGRES_URL", "AW_DATA_DIR")},
        "API_GATEWAY_PORT": str(free_port()),
        "AW_SERVICE_PORT": str(free_port()),
        "WWI_SERVICE_PORT": str(free_port()),
        "TELEMETRY_PORT": str(free_port()),
        "IDP_PORT": str(free_port()),
        "OTEL_BI_VAR_DIR": str(tmp_path / "var"),
        "DEMO_WAREHOUSE_DIR": str(demo),
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "JOBS_STARTUP_DELAY_SECONDS": "1",
    }
    relative = os.path.relpath(REAL_AW, REPO)
    first, printed = _run_make_up_until_ready(env, f"AW_DATA_DIR={relative}")
    assert float(printed["internet_revenue"]) == pytest.approx(REAL_AW_INTERNET_REVENUE, abs=0.005)
    assert re.search(r"^  aw\s+Microsoft's files in .*adventureworks-dw, orders 2010-12-29 to "
                     r"2014-01-28$", first, re.M), first[-3000:]  # fmt: skip
    assert re.search(r"^  wwi\s+generated \(seed 42, scale [0-9.]+\)", first, re.M), first[-3000:]
    assert "Adding job" not in first and "Removed job" not in first  # scheduler chatter quiet

    second, printed = _run_make_up_until_ready(env)
    assert "aw: keeping the warehouse built from Microsoft's files" in second, second[-3000:]
    assert "AW_DATA_DIR is unset" in second
    assert float(printed["internet_revenue"]) == pytest.approx(REAL_AW_INTERNET_REVENUE, abs=0.005)


def _manifest(folder: Path, name: str, data_dir: Path | None, seed: int = 7) -> None:
    (folder / f"{name}.duckdb").write_bytes(b"")
    parameters = {"seed": seed, "scale": 0.5, "data_dir": str(data_dir) if data_dir else None}
    span = {"first": "2013-01-01", "last": "2016-05-31"}
    (folder / f"{name}.manifest.json").write_text(
        json.dumps({"parameters": parameters, "span": span})
    )


def test_plan_keeps_what_each_warehouse_was_built_from(tmp_path: Path) -> None:
    up = _up_script()
    real = tmp_path / "real"
    real.mkdir()
    _manifest(tmp_path, "aw", real)
    _manifest(tmp_path, "wwi", None)
    kept = up.plan_warehouse("aw", tmp_path, {})
    assert kept.arguments == ("--aw-data-dir", str(real), "--seed", "7", "--scale", "0.5")
    assert kept.note and "keeping the warehouse built from Microsoft's files" in kept.note
    generated = up.plan_warehouse("wwi", tmp_path, {})
    assert generated.arguments == ("--seed", "7", "--scale", "0.5") and generated.note is None
    asked = up.plan_warehouse("wwi", tmp_path, {"WWI_DATA_DIR": str(real)})
    assert asked.arguments == ("--wwi-data-dir", str(real))
    real.rmdir()  # the files are gone: the warehouse is used as it is, never regenerated
    gone = up.plan_warehouse("aw", tmp_path, {})
    assert gone.arguments is None and gone.note and "that folder is gone" in gone.note
    with pytest.raises(RuntimeError, match="AW_DATA_DIR="):
        up.plan_warehouse("aw", tmp_path, {"AW_DATA_DIR": str(tmp_path / "missing")})
    fresh = up.plan_warehouse("aw", tmp_path / "empty", {})
    assert fresh.arguments == ("--seed", "42", "--scale", "1.0")
