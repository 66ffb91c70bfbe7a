"""Real HTTP servers for tests: an ASGI app under uvicorn in a thread, or a service process.

`live_server(app)` binds 127.0.0.1 on a free port first and hands the socket to uvicorn, so the
URL is known before the server starts and no port can be taken in between. `spawn_service`
starts `uvicorn <module>:app` as a real process (for kill/restart tests and the stack tests).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll_until(
    check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Call `check` until it returns a truthy value; on timeout raise with the last error."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as error:
            last = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what or check}: {last!r}")


@contextlib.contextmanager
def live_server(app: Any, *, lifespan: Literal["auto", "on", "off"] = "on") -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    poll_until(lambda: server.started or not thread.is_alive(), timeout=60, what="uvicorn start")
    if not server.started:
        raise RuntimeError("the app failed to start (see the log above)")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


class ServiceProcess:
    """A service under real uvicorn in its own process group."""

    def __init__(self, module: str, env: Mapping[str, str], *, port: int | None = None,
                 workers: int = 1, cwd: Path | None = None) -> None:  # fmt: skip
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(workers), "--log-level", "warning",
        ]  # fmt: skip
        full_env = {**os.environ, **env}
        full_env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO / "backend"), str(REPO), full_env.get("PYTHONPATH", "")]
        )
        self.process = subprocess.Popen(
            command, cwd=cwd or REPO / "backend", env=full_env, start_new_session=True
        )

    def wait_ready(self, path: str = "/health", timeout: float = 60.0) -> ServiceProcess:
        def answered() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}")
            return httpx.get(self.url + path, timeout=2).status_code < 500

        poll_until(answered, timeout=timeout, interval=0.1, what=f"{self.url}{path}")
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


def spawn_service(module: str, env: Mapping[str, str], **kwargs: Any) -> ServiceProcess:
    return ServiceProcess(module, env, **kwargs)
