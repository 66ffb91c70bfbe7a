"""`make up` smoke test: the stack starts, answers on the printed URLs, and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from devtools.idp import get_user_token
from tests.support.live_server import free_port, poll_until

REPO = Path(__file__).resolve().parents[2]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_make_up_serves_printed_urls_and_stops_cleanly(
    demo_warehouse_dir: Path, tmp_path: Path
) -> None:
    ports = {
        name: free_port()
        for name in (
            "API_GATEWAY_PORT",
            "AW_SERVICE_PORT",
            "WWI_SERVICE_PORT",
            "TELEMETRY_PORT",
            "IDP_PORT",
        )
    }
    env = {
        **{k: v for k, v in os.environ.items() if k != "POSTGRES_URL"},
        **{name: str(port) for name, port in ports.items()},
        "OTEL_BI_VAR_DIR": str(tmp_path / "var"),
        "DEMO_WAREHOUSE_DIR": str(demo_warehouse_dir),
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "JOBS_STARTUP_DELAY_SECONDS": "1",
    }
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
    try:
        poll_until(
            lambda: "READY\n" in lines or process.poll() is not None,
            timeout=240,
            interval=0.2,
            what="make up to print READY",
        )
        output = "".join(lines)
        assert "READY" in output, output[-3000:]
        urls = re.findall(r"^  ([a-z][a-z -]*?)\s{2,}(http://127\.0\.0\.1:\d+)", output, re.M)
        printed = dict(urls)
        assert "identity provider" in printed
        for name, url in printed.items():
            path = {
                "api-gateway": "/api/health",
                "identity provider": "/.well-known/openid-configuration",
            }.get(name, "/health")
            assert httpx.get(url + path, timeout=10).status_code == 200, name
        if "api-gateway" in printed and "aw-service" in printed:
            token = get_user_token(printed["identity provider"])
            answer = httpx.get(
                f"{printed['api-gateway']}/api/aw/sales/kpis",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
            anonymous = httpx.get(f"{printed['api-gateway']}/api/aw/sales/kpis", timeout=30)
            assert anonymous.status_code == 401
    finally:
        os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=90)
    assert code == 0, "".join(lines)[-3000:]
    assert not any(_port_open(port) for port in ports.values())
