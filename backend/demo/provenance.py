"""Where a built warehouse's data came from, read back from its manifest.

The builder records its parameters (seed, scale, the folder of real files if any) and the span of
order dates it wrote; `make up` reads them to keep a warehouse built from Microsoft's files
rather than regenerate it, and to print which data each warehouse holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

_SPAN_SQL = {
    "aw": (
        "SELECT min(k), max(k) FROM (SELECT OrderDateKey AS k FROM dbo.FactInternetSales "
        "UNION ALL SELECT OrderDateKey FROM dbo.FactResellerSales)"
    ),
    "wwi": 'SELECT min("Invoice Date Key"), max("Invoice Date Key") FROM "Fact"."Sale"',
}
_WHAT = {"aw": "orders", "wwi": "sales"}


def _as_date(value: Any) -> str | None:
    """`OrderDateKey` is YYYYMMDD as an integer; WWI keys are dates."""
    if value is None:
        return None
    if isinstance(value, int):
        return date(value // 10000, value // 100 % 100, value % 100).isoformat()
    return str(value)[:10]


def date_span(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str | None]:
    """First and last order (AW) or invoice (WWI) date in a freshly built warehouse."""
    first, last = con.execute(_SPAN_SQL[name]).fetchone() or (None, None)
    return {"first": _as_date(first), "last": _as_date(last)}


@dataclass(frozen=True)
class Provenance:
    """What one warehouse file holds, from its manifest."""

    name: str
    data_dir: Path | None
    seed: int
    scale: float
    first: str | None
    last: str | None

    @property
    def real(self) -> bool:
        return self.data_dir is not None

    def describe(self, relative_to: Path | None = None) -> str:
        """One line: `real files in ../shared/data/…, orders 2010-12-29 to 2014-01-28`."""
        if self.data_dir is not None:
            source = f"Microsoft's files in {_shown(self.data_dir, relative_to)}"
        else:
            source = f"generated (seed {self.seed}, scale {self.scale:g})"
        if self.first and self.last:
            source += f", {_WHAT[self.name]} {self.first} to {self.last}"
        return source


def _shown(path: Path, relative_to: Path | None) -> str:
    return str(path) if relative_to is None else os.path.relpath(path, relative_to)


def read_provenance(out_dir: Path, name: str) -> Provenance | None:
    """The provenance recorded beside `out_dir/<name>.duckdb`, or None without a usable one."""
    manifest_path = out_dir / f"{name}.manifest.json"
    if not (out_dir / f"{name}.duckdb").is_file() or not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        parameters = manifest["parameters"]
        span = manifest.get("span") or {}
        return Provenance(
            name=name,
            data_dir=Path(parameters["data_dir"]) if parameters.get("data_dir") else None,
            seed=int(parameters["seed"]),
            scale=float(parameters["scale"]),
            first=span.get("first"),
            last=span.get("last"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
