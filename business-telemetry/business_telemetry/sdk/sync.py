"""`SyncBusinessTelemetryClient`: the async client for synchronous code (Flask, Django, threads).

The original ran each call with `loop.run_until_complete` on the calling thread's loop, which
fails where a loop is already running and binds the sink's flush task to whichever loop happened
to run `start()`. Here the wrapper owns one event loop in a daemon thread; every call is submitted
to it and waited for. Each call runs in a copy of the caller's `contextvars` context, so
`set_context` in one request thread applies to that thread's events only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from business_telemetry.events.envelope import BaseEvent
from business_telemetry.sinks.buffered import SinkResult

if TYPE_CHECKING:
    from business_telemetry.sdk.client import BusinessTelemetryClient

T = TypeVar("T")


def _copy_outcome(task: asyncio.Task[T], future: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        future.cancel()
    elif (error := task.exception()) is not None:
        future.set_exception(error)
    else:
        future.set_result(task.result())


class SyncBusinessTelemetryClient:
    """Blocking `start`, `stop`, `emit`, `emit_batch` and every `emit_<type>` of the client.

    `timeout_seconds` bounds each call's wait (None: wait until done; every sink operation has
    its own bound). `close()` stops the client and ends the loop thread.
    """

    def __init__(
        self, async_client: BusinessTelemetryClient, *, timeout_seconds: float | None = None
    ) -> None:
        self._client = async_client
        self._timeout = timeout_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> BusinessTelemetryClient:
        return self._client

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="business-telemetry-sync", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def _run(self, call: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
        loop = self._ensure_loop()
        context = contextvars.copy_context()
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()

        def submit() -> None:
            task = loop.create_task(call(*args, **kwargs), context=context)
            task.add_done_callback(lambda done: _copy_outcome(done, outcome))

        loop.call_soon_threadsafe(submit)
        return outcome.result(self._timeout)

    def start(self) -> None:
        self._run(self._client.start)

    def stop(self) -> SinkResult:
        """Flush and close the sink (the loop thread stays, so `start()` may follow)."""
        return self._run(self._client.stop)

    def close(self) -> None:
        """`stop()`, then end the loop thread."""
        self.stop()
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    def emit(self, event: BaseEvent) -> bool:
        return self._run(self._client.emit, event)

    def emit_batch(self, events: Sequence[BaseEvent]) -> bool:
        return self._run(self._client.emit_batch, events)

    def set_context(self, *args: Any, **kwargs: Any) -> None:
        """Context of the calling thread (see `BusinessTelemetryClient.set_context`)."""
        self._client.set_context(*args, **kwargs)

    def set_infrastructure_context(self, **kwargs: str | None) -> None:
        self._client.set_infrastructure_context(**kwargs)

    def set_customer_context(self, **kwargs: str | None) -> None:
        self._client.set_customer_context(**kwargs)

    def clear_context(self) -> None:
        self._client.clear_context()

    def __getattr__(self, name: str) -> Callable[..., bool]:
        """`emit_<type>(...)` of the async client, blocking (same parameters)."""
        method = getattr(self._client, name) if name.startswith("emit_") else None
        if method is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

        def blocking(*args: Any, **kwargs: Any) -> bool:
            return bool(self._run(method, *args, **kwargs))

        blocking.__name__ = name
        return blocking
