"""The spec's quick start, run literally from the service folder with no PYTHONPATH: `python
main.py` and `uvicorn main:app` serve `/health`, and the original SDK's module names import.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from bt_testkit import SERVICE_DIR, free_port, poll_until

SHIM_PROBE = (
    "import business_events, config, fabric_sinks, main, sys\n"
    "from telemetry_client import BusinessTelemetryClient, SyncBusinessTelemetryClient\n"
    "from fabric_sinks import ConsoleSink, FileSink, create_sink_from_config\n"
    "event = business_events.create_product_viewed_event(product_id='p-1', product_name='Widget')\n"
    "assert event.to_dict()['event_type'] == 'product.viewed'\n"
    "assert isinstance(config.FabricSettings(), config.FabricSettings)\n"
    "assert BusinessTelemetryClient.__module__ == 'business_telemetry.sdk.client'\n"
    "assert SyncBusinessTelemetryClient.__name__ == 'SyncBusinessTelemetryClient'\n"
    "assert 'azure.eventhub' not in sys.modules  # the cloud sinks stay lazy\n"
    "import telemetry_client\n"
    "assert telemetry_client.EventHubSink.__name__ == 'EventHubSink'\n"
    "print('ok')\n"
)


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    """The user's environment as the quick start assumes it: no PYTHONPATH, paths in `tmp_path`
    so nothing is written into the source tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and k != "FABRIC_API_KEY"}
    env.update(
        FABRIC_SINK_TYPE="file",
        FABRIC_OUTPUT_DIR=str(tmp_path / "out"),
        FABRIC_SPOOL_DIR=str(tmp_path / "spool"),
        FABRIC_API_HOST="127.0.0.1",
        FABRIC_API_PORT=str(port),
    )
    return env


def test_the_original_module_names_import_from_the_service_folder(tmp_path: Path) -> None:
    """`from telemetry_client import BusinessTelemetryClient` and the other original names."""
    result = subprocess.run(
        [sys.executable, "-c", SHIM_PROBE],
        cwd=SERVICE_DIR,
        env=_env(tmp_path, free_port()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("entry", ["python main.py", "uvicorn main:app"])
def test_the_quick_start_serves_health_from_the_service_folder(tmp_path: Path, entry: str) -> None:
    """The commands exactly as the README writes them, in the service folder."""
    port = free_port()
    uvicorn = Path(sys.executable).with_name("uvicorn")
    command = (
        [sys.executable, "main.py"]
        if entry == "python main.py"
        else [str(uvicorn), "main:app", "--host", "127.0.0.1", "--port", str(port)]
    )
    log_path = tmp_path / "service.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=SERVICE_DIR, env=_env(tmp_path, port), stdout=log, stderr=log
        )
    try:

        def healthy() -> bool:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        poll_until(healthy, timeout=60, what=f"{entry} answering /health")
        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        assert body["status"] == "healthy", body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = log_path.read_text(errors="replace")
    # uvicorn re-raises the stopping signal once shut down, so -SIGTERM is a clean stop too.
    assert proc.returncode in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log, log
