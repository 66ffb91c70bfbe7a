"""The embedded demo warehouses: DuckDB files with the real AdventureWorksDW and
WideWorldImportersDW schemas, filled by a seeded generator or loaded from Microsoft's sample
files. Entry points: ``demo.build.build_warehouses`` and ``python -m demo build``."""
