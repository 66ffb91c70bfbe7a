"""Console sink: one JSON object per line on stdout (or indented, for a human at a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

import orjson

from business_telemetry.sinks.base import Envelope
from business_telemetry.sinks.buffered import BaseSink, SinkType


class ConsoleSink(BaseSink):
    """Writes each batch with one `write` call, so lines of concurrent batches never interleave."""

    sink_type = SinkType.CONSOLE

    def __init__(
        self,
        pretty_print: bool = False,
        batch_size: int = 1,
        flush_interval_seconds: float = 0.1,
        *,
        stream: TextIO | None = None,
        name: str = "console",
        **buffer_options: Any,
    ) -> None:
        super().__init__(
            batch_size=batch_size, flush_interval_seconds=flush_interval_seconds, **buffer_options
        )
        self.name = name
        self.pretty_print = pretty_print
        self._stream = stream

    async def open(self) -> None:
        return None

    async def write(self, batch: Sequence[Envelope]) -> None:
        option = orjson.OPT_INDENT_2 if self.pretty_print else 0
        text = "".join(orjson.dumps(dict(e), option=option).decode() + "\n" for e in batch)
        stream = self._stream if self._stream is not None else sys.stdout
        stream.write(text)
        stream.flush()

    async def close(self) -> None:
        return None
