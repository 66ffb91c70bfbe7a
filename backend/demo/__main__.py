"""``python -m demo build --out DIR [--seed N] [--scale F] [--aw-data-dir D] [--wwi-data-dir D]
[--only aw|wwi]``: build the demo warehouses, printing one line per table and per warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from demo.build import WAREHOUSES, build_warehouse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build aw.duckdb and wwi.duckdb (skipped if up to date)")
    build.add_argument("--out", type=Path, required=True, help="output folder")
    build.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    build.add_argument("--scale", type=float, default=1.0, help="fact row multiplier (default 1)")
    build.add_argument("--aw-data-dir", type=Path, help="load AdventureWorksDW from these files")
    build.add_argument(
        "--wwi-data-dir", type=Path, help="load WideWorldImportersDW from these files"
    )
    build.add_argument("--only", choices=WAREHOUSES, help="build just one warehouse")
    return parser


def _print_table(table: str, rows: int, seconds: float) -> None:
    print(f"  {table:<28} {rows:>9,} rows  {seconds:6.2f}s", flush=True)


def _interrupted(error: Exception) -> bool:
    """Whether `error` is DuckDB's answer to Ctrl-C: a SIGINT that lands while a query runs is
    taken by DuckDB, which stops the query and raises a plain RuntimeError (DuckDB 2.0) instead
    of letting KeyboardInterrupt through."""
    return isinstance(error, duckdb.InterruptException) or str(error) == "Query interrupted"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be greater than 0")
    for option, folder in (
        ("--aw-data-dir", args.aw_data_dir),
        ("--wwi-data-dir", args.wwi_data_dir),
    ):
        if folder is not None and not folder.is_dir():
            parser.error(f"{option}: {folder} is not a folder")
    names = WAREHOUSES if args.only is None else (args.only,)
    dirs = {"aw": args.aw_data_dir, "wwi": args.wwi_data_dir}
    for name in names:
        source = f"real files in {dirs[name]}" if dirs[name] else f"generator seed={args.seed}"
        print(f"{name}: from {source}, scale={args.scale}", flush=True)
        try:
            outcome = build_warehouse(
                name, args.out, seed=args.seed, scale=args.scale, data_dir=dirs[name],
                progress=_print_table,
            )  # fmt: skip
        except (FileNotFoundError, ValueError) as error:
            print(f"{name}: not built: {error}", file=sys.stderr, flush=True)
            return 2
        except (RuntimeError, duckdb.InterruptException) as error:
            if not _interrupted(error):
                raise
            raise KeyboardInterrupt from None  # the build removed its half-built file
        state = "built" if outcome.rebuilt else "up to date, nothing rebuilt"
        print(f"{name}: {state}: {outcome.path} ({outcome.seconds:.2f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
