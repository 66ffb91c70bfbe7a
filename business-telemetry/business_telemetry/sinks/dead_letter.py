"""Dead-letter files: events a sink could not take, kept on disk with the reason.

One append-only JSON-lines file per sink, `<directory>/<sink>.jsonl`; each line is
`{"dead_lettered_at", "sink", "reason", "event"}` and every append is fsynced, so what was set
aside survives a crash and can be replayed (post each `event` to `/events`, or `emit` it again).
The SDK's buffered sinks write here when given `dead_letter_dir`; the layout is the one the
service's drainer uses under `FABRIC_SPOOL_DIR/dead_letter/`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

_UNSAFE = re.compile(r"[^A-Za-z0-9._#-]")


class DeadLetters:
    """Append events with a reason to `<directory>/<sink>.jsonl` (blocking; call in a thread)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, sink: str) -> Path:
        # A sink name is ours, not a request's, but keep it one plain segment all the same.
        return self.directory / f"{_UNSAFE.sub('_', sink) or 'sink'}.jsonl"

    def write(self, sink: str, rows: Sequence[Mapping[str, Any]], reason: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        payload = b"".join(
            orjson.dumps(
                {"dead_lettered_at": when, "sink": sink, "reason": reason, "event": dict(r)},
                default=str,
            )
            + b"\n"
            for r in rows
        )
        fd = os.open(self.path_for(sink), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            view = memoryview(payload)
            while view:  # a regular file may still take a large write in parts
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
