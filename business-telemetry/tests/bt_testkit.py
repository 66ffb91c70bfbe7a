"""Test kit of the telemetry service: live servers (in a thread, or as real processes), polling,
factories, a gated sink, output reading.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import orjson
import uvicorn

from business_telemetry.sinks.base import Envelope, PermanentSinkError
from business_telemetry.sinks.file import FileSink
from config import FabricSettings
from main import create_app

T = TypeVar("T")
SERVICE_DIR = Path(__file__).resolve().parent.parent

FULL_EXAMPLES: dict[str, dict[str, Any]] = {
    "product.viewed": {
        "product_id": "p-1",
        "product_name": "Widget",
        "category": "tools",
        "price": 9.99,
    },
    "product.searched": {
        "search_query": "widget",
        "results_count": 3,
        "product_ids": ["p-1", "p-2"],
    },
    "product.listed": {"product_ids": ["p-1", "p-2"], "page": 1, "page_size": 20},
    "order.placed": {
        "order_id": "o-1",
        "items": [{"product_id": "p-1", "quantity": 2}],
        "total": 19.98,
        "customer_name": "Jane Doe",
    },
    "order.status_checked": {"order_id": "o-1", "status": "shipped"},
    "order.completed": {"order_id": "o-1", "processing_duration_ms": 1200},
    "order.failed": {"order_id": "o-1", "error_reason": "payment declined"},
    "customer.session_started": {"session_id": "s-1", "user_id": "u-1"},
    "customer.session_ended": {"session_id": "s-1", "duration_ms": 5000, "interaction_count": 4},
    "customer.query": {
        "query_text": "where is my order?",
        "response_time_ms": 320,
        "ai_model": "gpt-4o",
    },
    "customer.feedback": {"feedback_rating": 5, "feedback_text": "great"},
    "admin.inventory_updated": {"product_id": "p-1", "previous_qty": 3, "new_qty": 10},
    "admin.product_created": {"product_id": "p-9", "product_name": "Gadget", "ai_assisted": True},
    "admin.product_creation_failed": {"product_name": "Gadget", "error_message": "duplicate"},
    "admin.product_updated": {"product_id": "p-1", "changes": {"price": 12.5}},
    "admin.product_deleted": {"product_id": "p-1"},
    "ai.recommendation": {"model_name": "gpt-4o", "input_tokens": 100, "output_tokens": 50},
    "ai.description_generated": {
        "model_name": "gpt-4o",
        "content_type": "description",
        "tokens_used": 200,
    },
    "agent.session_started": {"agent_name": "customer-agent", "agent_id": "a-1"},
    "agent.session_ended": {"agent_name": "customer-agent", "duration_ms": 900},
    "agent.task_started": {"task_id": "t-1", "task_type": "query"},
    "agent.task_completed": {"task_id": "t-1", "duration_ms": 80, "status": "ok"},
    "agent.model_invocation": {"model_name": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 5},
    "agent.tool_call": {"tool_name": "lookup_order", "duration_ms": 12},
}

WRONGLY_TYPED: dict[str, tuple[str, Any]] = {
    "product.viewed": ("price", "cheap"),
    "product.searched": ("results_count", "many"),
    "product.listed": ("page", "first"),
    "order.placed": ("total", "lots"),
    "order.status_checked": ("status", 42),
    "order.completed": ("processing_duration_ms", "slow"),
    "order.failed": ("error_reason", ["a"]),
    "customer.session_started": ("user_id", {"id": 1}),
    "customer.session_ended": ("interaction_count", "few"),
    "customer.query": ("response_time_ms", "fast"),
    "customer.feedback": ("feedback_rating", "good"),
    "admin.inventory_updated": ("new_qty", "ten"),
    "admin.product_created": ("ai_assisted", "perhaps"),
    "admin.product_creation_failed": ("error_message", 7),
    "admin.product_updated": ("changes", "price"),
    "admin.product_deleted": ("product_id", 17),
    "ai.recommendation": ("input_tokens", "many"),
    "ai.description_generated": ("tokens_used", "some"),
    "agent.session_started": ("agent_id", 5),
    "agent.session_ended": ("duration_ms", "long"),
    "agent.task_started": ("task_type", 3),
    "agent.task_completed": ("duration_ms", "quick"),
    "agent.model_invocation": ("prompt_tokens", "few"),
    "agent.tool_call": ("duration_ms", "long"),
}


def make_event(event_type: str = "product.viewed", **overrides: Any) -> dict[str, Any]:
    """A full valid request body of `event_type`; keyword overrides replace top-level fields."""
    event: dict[str, Any] = {"event_type": event_type, "data": dict(FULL_EXAMPLES[event_type])}
    event.update(overrides)
    return event


def make_settings(tmp_path: Path, **overrides: Any) -> FabricSettings:
    values: dict[str, Any] = {
        "sink_type": "file",
        "spool_dir": str(tmp_path / "spool"),
        "output_dir": str(tmp_path / "out"),
        "flush_interval_seconds": 0.1,
        "retry_initial_backoff_seconds": 0.02,
        "retry_max_backoff_seconds": 0.2,
        "environment": "test",
    }
    values.update(overrides)
    return FabricSettings.model_validate(values)


def poll_until(check: Callable[[], T | None], *, timeout: float = 15.0, what: str = "") -> T:
    """Call `check` until it returns something truthy; fail with the last error at the deadline."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # reported if the deadline passes
            last = exc
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or check}; last error: {last!r}")


@contextmanager
def live_server(settings: FabricSettings, app: Any = None) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1, port chosen by the OS; yields the base URL."""
    config = uvicorn.Config(
        app or create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    poll_until(lambda: server.started and server.servers, timeout=20, what="uvicorn start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def output_rows(out_dir: Path) -> list[dict[str, Any]]:
    """Every row the file sink wrote (complete files only; temp files start with a dot)."""
    rows = []
    for path in sorted(out_dir.rglob("*.jsonl")):
        if not path.name.startswith("."):
            rows.extend(orjson.loads(line) for line in path.read_bytes().splitlines() if line)
    return rows


def output_id_counts(out_dir: Path) -> Counter[str]:
    return Counter(str(row["event_id"]) for row in output_rows(out_dir))


def send_orders(client: httpx.Client, prefix: str, n: int) -> list[str]:
    """POST `n` order.placed events with ids `<prefix>-<i>` as one batch; asserts the 202."""
    ids = [f"{prefix}-{i}" for i in range(n)]
    body = {"events": [make_event("order.placed", event_id=i) for i in ids]}
    response = client.post("/events/batch", json=body)
    assert response.status_code == 202, response.text
    return ids


def delivered_once(out_dir: Path, ids: Sequence[str]) -> bool:
    counts = output_id_counts(out_dir)
    return all(counts[i] == 1 for i in ids)


def metric_value(text: str, sample: str) -> float | None:
    """The value of one sample (`name{labels}` exactly as exposed) in Prometheus text."""
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == sample:
            return float(value)
    return None


class GatedSink(FileSink):
    """A real file sink that refuses poison events, or everything while `unusable` is set."""

    def __init__(self, out: Path) -> None:
        super().__init__(out, name="gated")
        self.unusable = False

    async def write(self, batch: Sequence[Envelope]) -> None:
        if self.unusable:
            raise PermanentSinkError("credentials rejected")
        poison = [str(e["event_id"]) for e in batch if e["data"].get("poison")]
        if poison:
            raise PermanentSinkError("event too large for the target", poison)
        await super().write(batch)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited; reaping is its parent's job


def parent_pid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("\nPPid:\t", 1)[1].split("\n", 1)[0])


def leader_pid(spool: Path) -> int:
    """The drainer leader's pid as it last reported (0 before any report)."""
    try:
        return int(orjson.loads((spool / "status.json").read_bytes())["leader_pid"])
    except (FileNotFoundError, orjson.JSONDecodeError):
        return 0


DEFAULT_SPOOL = "business_telemetry_spool"  # FABRIC_SPOOL_DIR's default, relative


class ServiceProcess:
    """The service as its own process group, configured only through FABRIC_* variables:
    `uvicorn main:app --workers N`, or `python main.py` as the spec's quick start runs it.

    By default it starts in the service folder with absolute paths under `tmp`. With `cwd` it
    starts there as a container or a unit would (`--app-dir`, `python <path>/main.py`), with
    the default relative spool folder and `FABRIC_OUTPUT_DIR=out`, both under `cwd`.
    Its stdout and stderr go to a log file under `tmp` (`log_text()`).
    """

    def __init__(
        self,
        tmp: Path,
        workers: int = 1,
        *,
        entry: Literal["uvicorn", "main.py"] = "uvicorn",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.tmp = tmp
        self.workers = workers
        self.entry = entry
        self.extra_env = env or {}
        self.cwd = cwd
        self.spool = tmp / "spool" if cwd is None else cwd / DEFAULT_SPOOL
        self.out = tmp / "out" if cwd is None else cwd / "out"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = tmp / f"service-{time.monotonic_ns()}.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "FABRIC_SINK_TYPE": "file",
            "FABRIC_OUTPUT_DIR": str(self.out) if self.cwd is None else "out",
            "FABRIC_SPOOL_DIR": str(self.spool),
            "FABRIC_BATCH_SIZE": "200",
            "FABRIC_FLUSH_INTERVAL": "0.2",
            "FABRIC_RETRY_MAX_BACKOFF_SECONDS": "0.5",
            "FABRIC_ENVIRONMENT": "crash-test",
            "FABRIC_API_HOST": "127.0.0.1",
            "FABRIC_API_PORT": str(self.port),
        }
        env.pop("FABRIC_API_KEY", None)
        if self.cwd is not None:
            del env["FABRIC_SPOOL_DIR"]  # the default, relative to the working directory
        env.update(self.extra_env)
        if self.entry == "main.py":
            command = [sys.executable, str(SERVICE_DIR / "main.py")]
        else:
            command = [
                *(sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1"),
                *("--port", str(self.port), "--workers", str(self.workers)),
                *("--log-level", "warning", "--app-dir", self._app_dir()),
            ]
        if self.cwd is not None:
            self.cwd.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=self.cwd or SERVICE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A process group of its own (killed as one), but the test's session: with the
                # kernel's autogroup scheduling a new session would also get a CPU share of its
                # own, and the service would not compete for CPU as under one container or unit.
                process_group=0,
            )

        def ready() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log_text()
            return httpx.get(f"{self.url}/ready", timeout=2).status_code == 200

        poll_until(ready, timeout=60, what="service ready")

    def _app_dir(self) -> str:
        """The service folder as a user in `cwd` would name it: relative when it is below."""
        if self.cwd is not None and SERVICE_DIR.is_relative_to(self.cwd.resolve()):
            return str(SERVICE_DIR.relative_to(self.cwd.resolve()))
        return str(SERVICE_DIR)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
