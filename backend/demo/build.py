"""Build the demo warehouse files atomically and only when something changed.

Each warehouse is written to a temporary file in the output folder, checkpointed, checksummed and
then renamed over ``aw.duckdb`` / ``wwi.duckdb``, so readers never see a half-built file. Next to
each file a manifest (``aw.manifest.json``) records the build parameters, a fingerprint of the
builder's own code and of any source files, and the table checksums. A build whose parameters
match the manifest and whose file still has the recorded checksums is "up to date" and skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from demo.aw_generate import generate_aw
from demo.aw_loader import load_aw
from demo.aw_loader import source_files as aw_sources
from demo.checksum import table_checksums
from demo.duck import Progress, create_schema
from demo.provenance import date_span
from demo.wwi_generate import generate_wwi
from demo.wwi_loader import load_wwi
from demo.wwi_loader import source_files as wwi_sources
from shared.db.warehouse import aw_tables, wwi_tables

log = logging.getLogger(__name__)

WAREHOUSES = ("aw", "wwi")
_CODE_DIRS = (Path(__file__).parent, Path(aw_tables.__file__).parent)


@dataclass(frozen=True)
class BuildOutcome:
    """What ``build_warehouse`` did: the file, whether it was (re)built, and how long it took."""

    name: str
    path: Path
    rebuilt: bool
    seconds: float


def code_fingerprint() -> str:
    """Hash of the builder's and the table definitions' source, so a code change rebuilds."""
    digest = hashlib.sha256()
    for folder in _CODE_DIRS:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _sources(name: str, data_dir: Path | None) -> list[dict[str, Any]]:
    if data_dir is None:
        return []
    files = aw_sources(data_dir) if name == "aw" else wwi_sources(data_dir)
    return [
        {"file": p.name, "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns}
        for p in files
        if p.is_file()
    ]


def _parameters(name: str, seed: int, scale: float, data_dir: Path | None) -> dict[str, Any]:
    return {
        "warehouse": name,
        "seed": seed,
        "scale": scale,
        "data_dir": str(data_dir.resolve()) if data_dir else None,
        "sources": _sources(name, data_dir),
        "code": code_fingerprint(),
    }


def _up_to_date(path: Path, manifest_path: Path, parameters: dict[str, Any]) -> bool:
    if not path.is_file() or not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("parameters") != parameters:
        return False
    try:
        return bool(table_checksums(path) == manifest.get("tables"))
    except duckdb.Error:
        return False


@contextlib.contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """Serialise builders sharing an output folder (tests and ``make up`` may race)."""
    with (out_dir / ".build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def build_warehouse(
    name: str,
    out_dir: Path | str,
    *,
    seed: int = 42,
    scale: float = 1.0,
    data_dir: Path | str | None = None,
    progress: Progress | None = None,
) -> BuildOutcome:
    """Build ``out_dir/<name>.duckdb`` (``name`` is ``aw`` or ``wwi``) unless it is up to date.

    ``data_dir`` loads Microsoft's real files instead of generating (see the loaders);
    ``scale`` multiplies the generated fact row counts (0.1 gives a small, consistent warehouse).
    """
    if name not in WAREHOUSES:
        raise ValueError(f"unknown warehouse {name!r}; expected one of {WAREHOUSES}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = Path(data_dir) if data_dir is not None else None
    path = out / f"{name}.duckdb"
    manifest_path = out / f"{name}.manifest.json"
    started = time.perf_counter()
    with _lock(out):
        parameters = _parameters(name, seed, scale, source)
        if _up_to_date(path, manifest_path, parameters):
            log.info("%s: up to date (%s)", name, path)
            return BuildOutcome(name, path, False, time.perf_counter() - started)
        tmp = out / f".{name}.{os.getpid()}.duckdb.tmp"
        tmp.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(tmp))
            try:
                _fill(con, name, seed, scale, source, progress)
                span = date_span(con, name)
                con.execute("CHECKPOINT").fetchall()
            finally:
                con.close()
            checksums = table_checksums(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
        # `span` is provenance for readers (make up prints it), not part of the up-to-date check.
        manifest = {"parameters": parameters, "span": span, "tables": checksums}
        _write_atomically(manifest_path, json.dumps(manifest, indent=2, sort_keys=True))
    seconds = time.perf_counter() - started
    log.info("%s: built %s in %.2fs", name, path, seconds)
    return BuildOutcome(name, path, True, seconds)


def _fill(
    con: duckdb.DuckDBPyConnection,
    name: str,
    seed: int,
    scale: float,
    source: Path | None,
    progress: Progress | None,
) -> None:
    if name == "aw":
        create_schema(con, aw_tables.metadata)
        if source is None:
            generate_aw(con, seed, scale, progress)
        else:
            load_aw(con, source, progress)
    else:
        create_schema(con, wwi_tables.metadata)
        if source is None:
            generate_wwi(con, seed, scale, progress)
        else:
            load_wwi(con, source, seed, scale, progress)


def build_warehouses(
    out_dir: Path | str,
    seed: int = 42,
    scale: float = 1.0,
    aw_data_dir: Path | str | None = None,
    wwi_data_dir: Path | str | None = None,
    only: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Build (or reuse) ``aw.duckdb`` and ``wwi.duckdb`` in ``out_dir``; return their paths."""
    names = WAREHOUSES if only is None else (only,)
    dirs = {"aw": aw_data_dir, "wwi": wwi_data_dir}
    return {
        name: build_warehouse(
            name, out_dir, seed=seed, scale=scale, data_dir=dirs[name], progress=progress
        ).path
        for name in names
    }
