"""Starts Azurite (npm `azurite` 3.35.0, pinned in tools/azurite) on 127.0.0.1 for OneLake tests.

OneLake serves the same data over its Blob API, and Azurite's blob service is the only local
emulator of it (Azurite has no DFS endpoint), so the OneLake sink is tested against Azurite's blob
service. `--skipApiVersionCheck` because current Azure SDKs send a newer API version than 3.35
knows; `--disableTelemetry` keeps it off the network; a tmp `--location` (not in-memory) so data
survives a stop/start, which the outage tests rely on. If `tools/azurite/node_modules` is missing
it runs `npm ci --prefix tools/azurite` first, and an npm failure is an error, never a skip.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
AZURITE_DIR = REPO_ROOT / "tools" / "azurite"
AZURITE_MAIN = AZURITE_DIR / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js"
ACCOUNT_NAME = "devstoreaccount1"
# Azurite's well-known development key (public, documented by Microsoft; not a secret).
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
_LISTENING = re.compile(r"listens on http://127\.0\.0\.1:(\d+)")


def _die_with_parent() -> None:
    """Linux: SIGTERM Azurite when the test process dies, even by SIGKILL (no orphans).

    The signal follows the *thread* that started Azurite, so start it from a long-lived one
    (pytest's main thread, the benchmark's), never from a short-lived worker thread.
    """
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def ensure_installed() -> None:
    """Install the pinned Azurite with `npm ci` when it is not there yet (raises on failure)."""
    if AZURITE_MAIN.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is required to install Azurite (tools/azurite); install Node 20")
    subprocess.run(
        [npm, "ci", "--prefix", str(AZURITE_DIR), "--no-audit", "--no-fund"],
        check=True,
        timeout=600,
    )
    if not AZURITE_MAIN.exists():
        raise RuntimeError(f"npm ci succeeded but {AZURITE_MAIN} is missing")


class Azurite:
    """One Azurite blob service process; `stop()` then `start()` keeps its port and data."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        self._output: list[str] = []

    @property
    def account_url(self) -> str:
        """Path-style blob endpoint, as `FABRIC_ONELAKE_ACCOUNT_URL` takes it."""
        return f"http://127.0.0.1:{self.port}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.account_url};"
        )

    def start(self, timeout: float = 60.0) -> None:
        ensure_installed()
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is required to run Azurite")
        self.location.mkdir(parents=True, exist_ok=True)
        self._output = []
        process = subprocess.Popen(
            [
                node,
                str(AZURITE_MAIN),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(self.port),
                "--location",
                str(self.location),
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_die_with_parent,
        )
        self._process = process
        found = threading.Event()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                self._output.append(line.rstrip())
                match = _LISTENING.search(line)
                if match:
                    self.port = int(match.group(1))
                    found.set()

        threading.Thread(target=pump, name="azurite-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.05):
            if process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Azurite did not start:\n" + "\n".join(self._output[-20:]))

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> Azurite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
