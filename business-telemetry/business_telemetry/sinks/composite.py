"""Composite sink: fan a batch out to several sinks; one failing child never blocks the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from business_telemetry.sinks.base import (
    Envelope,
    PermanentSinkError,
    RetryableSinkError,
    Sink,
    SinkError,
)
from business_telemetry.sinks.buffered import BaseSink, SinkType

logger = logging.getLogger(__name__)


def worst_error(errors: Sequence[BaseException]) -> SinkError:
    """Across a fan-out the worst status wins, so a caller never mistakes partial for success."""
    permanent = [e for e in errors if isinstance(e, PermanentSinkError)]
    if permanent and len(permanent) == len(errors) and all(e.event_ids for e in permanent):
        ids = sorted({i for e in permanent for i in e.event_ids})
        return PermanentSinkError("; ".join(str(e) for e in permanent), ids)
    if permanent and len(permanent) == len(errors):
        return PermanentSinkError("; ".join(str(e) for e in permanent))
    return RetryableSinkError("; ".join(f"{type(e).__name__}: {e}" for e in errors))


def unique_names(sinks: Sequence[Sink]) -> None:
    """Rename repeated child names by position (`file`, `file#2`, ...), stable across restarts.

    The original allowed two sinks of one kind (say two `FileSink`s with different folders); a
    name keys per-child state (open children here, delivery cursors in the service), so each
    child needs its own. The first of each name keeps it.
    """
    taken = {s.name for s in sinks}
    seen: set[str] = set()
    for sink in sinks:
        if sink.name in seen:
            number = 2
            while f"{sink.name}#{number}" in taken:
                number += 1
            sink.name = f"{sink.name}#{number}"
            taken.add(sink.name)
        seen.add(sink.name)


class CompositeSink(BaseSink):
    """In-process fan-out. Every child must tolerate a batch written twice (retries resend all).

    The service's spool drainer does not call this class's `write`: it delivers to each child
    separately (`children`), keeping a cursor per child, so an outage of one is invisible to the
    others and nothing is re-sent to a child that already has it.
    """

    sink_type = SinkType.COMPOSITE

    def __init__(
        self,
        sinks: Sequence[Sink],
        fail_fast: bool = False,
        *,
        name: str = "composite",
        **buffer_options: Any,
    ) -> None:
        buffer_options.setdefault("batch_size", 100)
        buffer_options.setdefault("flush_interval_seconds", 1.0)
        super().__init__(**buffer_options)
        if not sinks:
            raise ValueError("a composite sink needs at least one child sink")
        self.name = name
        self.sinks = list(sinks)
        unique_names(self.sinks)
        self.fail_fast = fail_fast
        self._open: set[str] = set()

    @property
    def children(self) -> list[Sink]:
        return list(self.sinks)

    async def open(self) -> None:
        """Open every child; raise only when none could be opened (others retry on `write`)."""
        results = await asyncio.gather(*(s.open() for s in self.sinks), return_exceptions=True)
        failed = []
        for sink, result in zip(self.sinks, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("composite: child %s failed to open: %s", sink.name, result)
                failed.append(result)
            else:
                self._open.add(sink.name)
        if len(failed) == len(self.sinks):
            raise worst_error(failed)

    async def _write_child(self, sink: Sink, batch: Sequence[Envelope]) -> None:
        if sink.name not in self._open:
            await sink.open()
            self._open.add(sink.name)
        await sink.write(batch)

    async def write(self, batch: Sequence[Envelope]) -> None:
        errors: list[BaseException] = []
        if self.fail_fast:
            for sink in self.sinks:
                await self._write_child(sink, batch)
            return
        results = await asyncio.gather(
            *(self._write_child(s, batch) for s in self.sinks), return_exceptions=True
        )
        for sink, result in zip(self.sinks, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("composite: child %s failed: %s", sink.name, result)
                errors.append(result)
        if errors:
            raise worst_error(errors)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sinks), return_exceptions=True)
        self._open.clear()
