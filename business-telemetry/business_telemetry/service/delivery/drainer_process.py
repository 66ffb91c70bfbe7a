"""The drainer in a child process of each worker, so delivery uses another core than HTTP.

The worker starts `main()` below in a new interpreter with its settings as one JSON line on
stdin (never in argv or the environment: they hold secrets) and keeps stdin open. The child runs
a `Drainer` (leader election included) and stops when stdin closes, which happens when the
worker stops or dies, even by `kill -9`; an interrupted batch is simply resent by the next
leader. SIGTERM also stops it gracefully; SIGINT (a terminal's Ctrl+C) is left to the worker.
If the child dies on its own (killed, out of memory, a bug) the worker logs it and starts a new
one with back-off; meanwhile `/ready` reports the leader's heartbeat going stale.
The child runs at `FABRIC_DRAINER_PRIORITY` (`lower_priority`), by default the worker's own: on
a lower one any other busy process starves delivery while ingestion keeps acknowledging (README,
Performance). Flow control (`service.spool.backlog`) keeps it from falling far behind.
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
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import SecretStr

from business_telemetry.config import FabricSettings
from business_telemetry.service.delivery.drainer import Drainer
from business_telemetry.service.http.metrics import DeliveryMetrics
from business_telemetry.service.spool.spool_view import SpoolView, stale_after
from business_telemetry.sinks.registry import create_sink
from business_telemetry.sinks.retry import backoff_delay

SERVICE_DIR = Path(__file__).resolve().parents[3]  # the folder holding `business_telemetry`
logger = logging.getLogger(__name__)
WATCH_SECONDS = 0.5
RESTART_BACKOFF = (1.0, 30.0)  # first and longest wait before starting a dead child again
_HEALTHY_RUN_SECONDS = 60.0  # a child that lived this long starts the back-off over
LOW_NICENESS = 10
_CHILD = (
    f"import sys; sys.path.insert(0, {str(SERVICE_DIR)!r}); "
    "from business_telemetry.service.delivery.drainer_process import main; main()"
)


def lower_priority(priority: str) -> None:
    """Put this process at `priority` (`FABRIC_DRAINER_PRIORITY`). SCHED_IDLE where the platform
    has it (Linux), else the lowest niceness; an unprivileged process may always lower itself."""
    if priority == "idle":
        if hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        else:
            os.nice(19)
    elif priority == "low":
        os.nice(LOW_NICENESS)


def settings_payload(settings: FabricSettings) -> bytes:
    values: dict[str, Any] = {}
    for name in FabricSettings.model_fields:
        value = getattr(settings, name)
        values[name] = value.get_secret_value() if isinstance(value, SecretStr) else value
    return orjson.dumps(values) + b"\n"


def describe_exit(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


class DrainerProcess(SpoolView):
    """The worker's handle on its drainer child, which it restarts whenever the child dies."""

    def __init__(
        self,
        settings: FabricSettings,
        sink_names: list[str],
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(
            Path(settings.spool_dir),
            sink_names,
            stale_after=stale_after(settings.flush_interval_seconds),
        )
        self.settings = settings
        self.on_restart = on_restart
        self.exit_note: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._watch: asyncio.Task[None] | None = None

    def start(self) -> None:
        (self.root / "segments").mkdir(parents=True, exist_ok=True)
        self._spawn()
        self._watch = asyncio.create_task(self._supervise(), name="drainer-process-watch")

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def _spawn(self) -> None:
        # The worker's own working directory (the settings' paths are absolute already, see
        # `config`); the service folder goes first on sys.path, as `--app-dir` puts it.
        command = [sys.executable, "-c", _CHILD]  # our interpreter, our code: nothing untrusted
        self._proc = subprocess.Popen(command, stdin=subprocess.PIPE)  # noqa: S603
        stdin: IO[bytes] | None = self._proc.stdin
        assert stdin is not None
        stdin.write(settings_payload(self.settings))
        stdin.flush()

    async def _supervise(self) -> None:
        """Poll the child (a non-blocking waitpid; no thread parked on it) and restart it."""
        attempt = 0
        started = time.monotonic()
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            proc = self._proc
            if proc is None:
                return
            code = proc.poll()
            if code is None:
                continue
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            attempt = 1 if time.monotonic() - started > _HEALTHY_RUN_SECONDS else attempt + 1
            delay = backoff_delay(attempt, initial=RESTART_BACKOFF[0], maximum=RESTART_BACKOFF[1])
            self.exit_note = (
                f"this worker's drainer process {proc.pid} died ({describe_exit(code)}); "
                f"restart {attempt} in {delay:.1f}s"
            )
            logger.error(
                "drainer process %s died (%s); restart %s in %.1fs",
                proc.pid,
                describe_exit(code),
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
            try:
                self._spawn()
            except OSError as exc:  # e.g. out of processes: try again after the next back-off
                logger.error("drainer process could not be started: %s", exc)
                continue
            started = time.monotonic()
            self.exit_note = (
                f"this worker's drainer process {proc.pid} died ({describe_exit(code)}) "
                f"and was restarted as {self.pid}"
            )
            if self.on_restart is not None:
                self.on_restart()
            logger.warning("drainer process restarted as %s", self.pid)

    def sink_errors(self) -> dict[str, str] | str:
        errors = super().sink_errors()
        if isinstance(errors, str) and self.exit_note:
            return f"{errors}; {self.exit_note}"
        return errors

    async def stop(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
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
    lower_priority(settings.drainer_priority)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
