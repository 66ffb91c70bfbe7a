"""The drainer in a child process of each worker, so delivery uses another core than HTTP.

The worker starts `python -m ingest.drainer_process` with its settings as one JSON line on
stdin (never in argv or the environment: they hold secrets) and keeps stdin open. The child runs
a `Drainer` (leader election included) and stops when stdin closes, which happens when the
worker stops or dies, even by `kill -9`; an interrupted batch is simply resent by the next
leader. SIGTERM also stops it gracefully; SIGINT (a terminal's Ctrl+C) is left to the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import SecretStr

from config import FabricSettings
from ingest.drainer import Drainer
from ingest.metrics import DeliveryMetrics
from ingest.spool_view import SpoolView
from sinks.registry import create_sink

SERVICE_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


def settings_payload(settings: FabricSettings) -> bytes:
    values: dict[str, Any] = {}
    for name in FabricSettings.model_fields:
        value = getattr(settings, name)
        values[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return orjson.dumps(values) + b"\n"


class DrainerProcess(SpoolView):
    """The worker's handle on its drainer child."""

    def __init__(self, settings: FabricSettings, sink_names: list[str]) -> None:
        super().__init__(Path(settings.spool_dir), sink_names)
        self.settings = settings
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        (self.root / "segments").mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ingest.drainer_process"], cwd=SERVICE_DIR, stdin=subprocess.PIPE
        )
        stdin: IO[bytes] | None = self._proc.stdin
        assert stdin is not None
        stdin.write(settings_payload(self.settings))
        stdin.flush()

    async def stop(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            logger.warning("drainer process %s did not stop in %ss; killed", proc.pid, timeout)
            proc.kill()
            await asyncio.to_thread(proc.wait)


async def _serve(settings: FabricSettings) -> None:
    drainer = Drainer(settings, create_sink(settings), DeliveryMetrics())
    drainer.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def watch_stdin() -> None:  # a daemon thread (must not keep the process alive); raw reads
        while os.read(0, 4096):  # take no interpreter lock that could block shutdown
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    await stop.wait()
    await drainer.stop(timeout=10.0)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(0, 65536)
        if not chunk:
            return
        line += chunk
    settings = FabricSettings.model_validate(orjson.loads(line))
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
