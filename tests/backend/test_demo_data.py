"""The embedded demo warehouses: real names and types, determinism, planted cases, real-file
loaders, read-only use and idempotent builds. Everything is checked with SQL against the DuckDB
files the builder wrote."""

from __future__ import annotations

import csv
import itertools
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    create_engine,
    func,
    select,
)
from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import TypeEngine
from sqlglot import exp

from demo import wwi_planted
from demo.__main__ import _interrupted
from demo.__main__ import main as cli_main
from demo.build import build_warehouse, build_warehouses
from demo.checksum import table_checksums
from shared.db.warehouse import aw_tables, wwi_tables

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"  # the sample data beside the repository, read in place
README = DATA / "README.md"
AW_DIR = DATA / "adventureworks-dw"
WWI_DIR = DATA / "wide-world-importers-dw"
TABLES: dict[str, dict[str, Table]] = {
    "aw": {f"dbo.{name}": t for name, t in aw_tables.TABLES.items()},
    "wwi": wwi_tables.TABLES,
}
AW_REQUIRED = [
    "FactInternetSales",
    "FactResellerSales",
    "FactSalesQuota",
    "DimDate",
    "DimProduct",
    "DimProductSubcategory",
    "DimProductCategory",
    "DimEmployee",
    "DimSalesTerritory",
    "DimCustomer",
    "DimReseller",
    "DimCurrency",
    "DimPromotion",
]
WWI_REQUIRED = [
    "Fact.Sale", "Fact.Order", "Fact.Purchase", "Fact.Stock Holding", "Fact.Movement",
    "Dimension.Stock Item", "Dimension.Supplier", "Dimension.Customer", "Dimension.Date",
    "Dimension.City", "Dimension.Employee",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo_warehouse_dir(demo_warehouse_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the session warehouses.

    Its plain `duckdb.connect` calls open the files with another configuration than the services'
    duckdb-engine connections, which DuckDB refuses while those are open in the same process.
    """
    copy = tmp_path_factory.mktemp("demo-copy")
    for item in demo_warehouse_dir.iterdir():
        shutil.copy2(item, copy / item.name)
    return copy


@pytest.fixture(scope="module")
def aw_demo_path(demo_warehouse_dir: Path) -> Path:
    return demo_warehouse_dir / "aw.duckdb"


@pytest.fixture(scope="module")
def wwi_demo_path(demo_warehouse_dir: Path) -> Path:
    return demo_warehouse_dir / "wwi.duckdb"


def test_default_scale_has_the_documented_magnitudes(tmp_path: Path) -> None:
    # `make demo-data` builds scale 1: about 60k internet and 60k reseller lines over four
    # calendar years, and about 200k WWI sale lines (the tests otherwise run smaller scales).
    built = build_warehouses(tmp_path, seed=42, scale=1.0)
    internet, reseller, years = _rows(
        built["aw"],
        "SELECT (SELECT count(*) FROM dbo.FactInternetSales), "
        "(SELECT count(*) FROM dbo.FactResellerSales), "
        "(SELECT count(DISTINCT OrderDateKey // 10000) FROM dbo.FactInternetSales)",
    )[0]
    assert 50_000 <= internet <= 70_000 and 50_000 <= reseller <= 70_000
    assert years == 4
    (sales,) = _rows(built["wwi"], 'SELECT count(*) FROM "Fact"."Sale"')[0]
    assert 180_000 <= sales <= 220_000


def _rows(path: Path, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _need(folder: Path) -> None:
    if not folder.is_dir():
        pytest.skip(f"sample data folder {folder} is absent; real-file checks need it")


def _readme_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """``{"dbo.DimDate": [(column, sql type, nullable), ...], "Fact.Purchase": ...}``."""
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    current: list[tuple[str, str, bool]] | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^#### (.+?)(?: \(`[^`]+`\))? — ", line)
        if heading:
            name = heading.group(1).replace('"', "")
            current = tables.setdefault(name if "." in name else f"dbo.{name}", [])
            continue
        row = re.match(r"^\| \d+ \| (.+?) \| (.+?) \| (NOT NULL|NULL) \|$", line)
        if row and current is not None:
            current.append((row.group(1), row.group(2), row.group(3) == "NULL"))
    return tables


def _matches_sql_type(type_: TypeEngine[Any], sql: str) -> bool:
    """Whether a SQLAlchemy column type is the documented SQL Server type."""
    base = sql.split("(")[0].strip()
    size = re.findall(r"\d+", sql)
    if base in ("nvarchar", "nchar", "varchar", "char"):
        return isinstance(type_, String) and (sql.endswith("(max)") or type_.length == int(size[0]))
    if base in ("money", "decimal"):
        precision, scale = (19, 4) if base == "money" else (int(size[0]), int(size[1]))
        return (
            isinstance(type_, Numeric)
            and not isinstance(type_, Float)
            and (type_.precision, type_.scale) == (precision, scale)
        )
    expected: dict[str, type[TypeEngine[Any]]] = {
        "int": Integer, "bigint": BigInteger, "smallint": SmallInteger, "tinyint": SmallInteger,
        "float": Float, "bit": Boolean, "date": Date, "datetime": DateTime,
        "datetime2": DateTime, "varbinary": LargeBinary,
    }  # fmt: skip
    exact = type(type_) is expected[base] or (base == "int" and type(type_) is Integer)
    return exact and not (base == "int" and isinstance(type_, BigInteger | SmallInteger))


def test_table_definitions_match_the_data_readme_column_for_column() -> None:
    if not README.is_file():
        pytest.skip(f"{README} is absent")
    documented = _readme_columns()
    assert len(documented) == 18, sorted(documented)
    for name, columns in documented.items():
        table = {**TABLES["aw"], **TABLES["wwi"]}[name]
        mine = [(c.name, c.nullable) for c in table.columns]
        assert mine == [(c, null) for c, _, null in columns], name
        for column, sql, _ in columns:
            assert _matches_sql_type(table.c[column].type, sql), (name, column, sql)


def test_every_required_table_is_defined() -> None:
    assert set(AW_REQUIRED) <= set(aw_tables.TABLES)
    assert set(WWI_REQUIRED) <= set(wwi_tables.TABLES)
    money = wwi_tables.Sale.c["Total Excluding Tax"].type
    assert isinstance(money, Numeric) and (money.precision, money.scale) == (18, 2)
    assert wwi_tables.StockHolding.fullname == "Fact.Stock Holding"
    assert wwi_tables.StockItem.fullname == "Dimension.Stock Item"
    assert aw_tables.FactInternetSales.fullname == "dbo.FactInternetSales"


@pytest.mark.parametrize("warehouse", ["aw", "wwi"])
def test_duckdb_files_have_every_table_and_column_with_its_type(
    warehouse: str, demo_warehouse_dir: Path
) -> None:
    path = demo_warehouse_dir / f"{warehouse}.duckdb"
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for schema, table, column, data_type, nullable in _rows(
        path,
        "SELECT table_schema, table_name, column_name, data_type, is_nullable = 'YES' "
        "FROM information_schema.columns ORDER BY table_schema, table_name, ordinal_position",
    ):
        found.setdefault(f"{schema}.{table}", []).append(
            (str(column), str(data_type), bool(nullable))
        )
    assert set(found) == set(TABLES[warehouse])
    for name, table in TABLES[warehouse].items():
        assert [c[0] for c in found[name]] == [c.name for c in table.columns], name
        for (column, data_type, nullable), spec in zip(found[name], table.columns, strict=True):
            assert nullable == spec.nullable, (name, column)
            if isinstance(spec.type, Numeric) and not isinstance(spec.type, Float):
                assert data_type == f"DECIMAL({spec.type.precision},{spec.type.scale})"
            if isinstance(spec.type, Float):
                assert data_type == "DOUBLE", (name, column)  # SQL Server float is 8 bytes
        assert _rows(path, f'SELECT count(*) FROM "{table.schema}"."{table.name}"')[0][0] > 0, name


def test_same_seed_gives_identical_tables_and_another_seed_differs(tmp_path: Path) -> None:
    first = build_warehouses(tmp_path / "a", seed=7, scale=0.02)
    second = build_warehouses(tmp_path / "b", seed=7, scale=0.02)
    other = build_warehouses(tmp_path / "c", seed=8, scale=0.02)
    for name in ("aw", "wwi"):
        same = table_checksums(first[name])
        assert same == table_checksums(second[name])
        changed = table_checksums(other[name])
        assert set(changed) == set(same)
        differing = {t for t in same if same[t] != changed[t]}
        fact = "dbo.FactInternetSales" if name == "aw" else "Fact.Sale"
        assert fact in differing, name


def test_rebuild_with_same_parameters_is_skipped_and_changes_rebuild(tmp_path: Path) -> None:
    built = build_warehouse("aw", tmp_path, seed=3, scale=0.02)
    assert built.rebuilt
    before = built.path.stat()
    again = build_warehouse("aw", tmp_path, seed=3, scale=0.02)
    assert not again.rebuilt
    after = again.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert build_warehouse("aw", tmp_path, seed=4, scale=0.02).rebuilt
    leftovers = {p.name for p in tmp_path.iterdir()} - {"aw.duckdb", "aw.manifest.json"}
    assert leftovers == {".build.lock"}  # no temp files or WAL left behind


def test_a_damaged_file_is_rebuilt_even_with_a_matching_manifest(tmp_path: Path) -> None:
    path = build_warehouse("aw", tmp_path, seed=3, scale=0.02).path
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM dbo.FactSalesQuota WHERE SalesQuotaKey = 1").fetchall()
    con.close()
    assert build_warehouse("aw", tmp_path, seed=3, scale=0.02).rebuilt
    assert _rows(path, "SELECT count(*) FROM dbo.FactSalesQuota WHERE SalesQuotaKey = 1") == [(1,)]


def test_session_warehouse_is_reported_up_to_date(demo_warehouse_dir: Path) -> None:
    from tests.support.demo_fixtures import DEMO_SEED, demo_scale

    outcome = build_warehouse("wwi", demo_warehouse_dir, seed=DEMO_SEED, scale=demo_scale())
    assert not outcome.rebuilt


def test_cli_prints_tables_with_counts_then_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["build", "--out", str(tmp_path), "--seed", "5", "--scale", "0.02", "--only", "wwi"]
    assert cli_main(args) == 0
    first = capsys.readouterr().out
    assert re.search(r"Fact\.Sale\s+[\d,]+ rows\s+[\d.]+s", first)
    assert "wwi: built" in first and "aw:" not in first
    assert cli_main(args) == 0
    second = capsys.readouterr().out
    assert "up to date" in second and "Fact.Sale" not in second
    assert not (tmp_path / "aw.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--scale", "0"], "--scale"), (["--aw-data-dir", "/nonexistent-demo-dir"], "--aw-data-dir")],
)
def test_cli_rejects_bad_options_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["build", "--out", str(tmp_path), *args])
    assert exit_info.value.code == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "aw.duckdb").exists()


def test_cli_reports_missing_source_files_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["build", "--out", str(tmp_path / "out"), "--only", "aw", "--aw-data-dir", str(empty)]
    assert cli_main(args) == 2
    err = capsys.readouterr().err
    assert "FactInternetSales.csv" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "aw.duckdb").exists()


def test_read_only_connection_rejects_writes(aw_demo_path: Path) -> None:
    con = duckdb.connect(str(aw_demo_path), read_only=True)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM dbo.DimCurrency").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE dbo.Scratch (x INTEGER)").fetchall()
        assert con.execute("SELECT count(*) FROM dbo.DimCurrency").fetchall()[0][0] > 0
    finally:
        con.close()


def test_aw_sales_lines_obey_the_warehouse_arithmetic(aw_demo_path: Path) -> None:
    for fact in ("FactInternetSales", "FactResellerSales"):
        bad = _rows(
            aw_demo_path,
            f"""SELECT
                count(*) FILTER (
                    WHERE abs(SalesAmount - (ExtendedAmount - DiscountAmount)) > 0.0001),
                count(*) FILTER (WHERE TotalProductCost <> ProductStandardCost * OrderQuantity),
                count(*) FILTER (WHERE ExtendedAmount <> UnitPrice * OrderQuantity),
                count(*) FILTER (WHERE d.DateKey IS NULL),
                count(*) FILTER (WHERE OrderDateKey <> year(OrderDate) * 10000
                                 + month(OrderDate) * 100 + day(OrderDate))
            FROM dbo.{fact} f LEFT JOIN dbo.DimDate d ON d.DateKey = f.OrderDateKey""",
        )
        assert bad == [(0, 0, 0, 0, 0)], fact


def test_aw_has_orders_of_several_lines_growth_seasonality_and_positive_varied_margins(
    aw_demo_path: Path,
) -> None:
    lines, orders, multi = _rows(
        aw_demo_path,
        "SELECT count(*), count(DISTINCT SalesOrderNumber), "
        "(SELECT count(*) FROM (SELECT SalesOrderNumber FROM dbo.FactResellerSales "
        " GROUP BY 1 HAVING count(*) > 1)) FROM dbo.FactResellerSales",
    )[0]
    assert int(lines) > 2 * int(orders) and int(multi) > 0
    yearly = _rows(
        aw_demo_path,
        "SELECT year(OrderDate), sum(SalesAmount) FROM dbo.FactInternetSales GROUP BY 1 ORDER BY 1",
    )
    assert len(yearly) == 4
    totals = [Decimal(str(total)) for _, total in yearly]
    assert all(b > a for a, b in itertools.pairwise(totals)), totals
    december, february = (
        _rows(
            aw_demo_path,
            f"SELECT sum(SalesAmount) FROM dbo.FactInternetSales WHERE month(OrderDate) = {m}",
        )[0][0]
        for m in (12, 2)
    )
    assert december > Decimal("1.3") * february
    low, high = _rows(
        aw_demo_path,
        "SELECT min(m), max(m) FROM (SELECT ProductKey, "
        "sum(SalesAmount - TotalProductCost) / sum(SalesAmount) AS m "
        "FROM dbo.FactResellerSales GROUP BY 1)",
    )[0]
    assert 0 < low < high and high - low > 0.1


def test_aw_has_seventeen_reps_with_a_quota_per_quarter(aw_demo_path: Path) -> None:
    reps = _rows(aw_demo_path, "SELECT count(*) FROM dbo.DimEmployee WHERE SalesPersonFlag")
    assert reps == [(17,)]
    quotas = _rows(
        aw_demo_path,
        """SELECT count(*), count(DISTINCT q.EmployeeKey), count(DISTINCT q.DateKey),
                  count(*) FILTER (WHERE NOT e.SalesPersonFlag OR d.DateKey IS NULL
                                   OR q.CalendarYear <> q.DateKey // 10000)
           FROM dbo.FactSalesQuota q JOIN dbo.DimEmployee e USING (EmployeeKey)
           LEFT JOIN dbo.DimDate d ON d.DateKey = q.DateKey""",
    )
    assert quotas == [(17 * 16, 17, 16, 0)]
    orphans = _rows(
        aw_demo_path,
        """SELECT count(*) FROM dbo.FactResellerSales f
           LEFT JOIN dbo.DimProduct p USING (ProductKey)
           LEFT JOIN dbo.DimProductSubcategory s USING (ProductSubcategoryKey)
           LEFT JOIN dbo.DimProductCategory c USING (ProductCategoryKey)
           LEFT JOIN dbo.DimReseller r USING (ResellerKey)
           LEFT JOIN dbo.DimSalesTerritory t USING (SalesTerritoryKey)
           LEFT JOIN dbo.DimCurrency cu USING (CurrencyKey)
           LEFT JOIN dbo.DimPromotion pr USING (PromotionKey)
           WHERE c.ProductCategoryKey IS NULL OR r.ResellerKey IS NULL
              OR t.SalesTerritoryKey IS NULL OR cu.CurrencyKey IS NULL
              OR pr.PromotionKey IS NULL""",
    )
    assert orphans == [(0,)]


def test_wwi_facts_are_consistent_with_each_other(wwi_demo_path: Path) -> None:
    sale_lines, bad_amounts, orphans = _rows(
        wwi_demo_path,
        """SELECT count(*),
                  count(*) FILTER (
                    WHERE s."Total Including Tax" <> s."Total Excluding Tax" + s."Tax Amount"
                                   OR s."Total Excluding Tax" <> s."Quantity" * s."Unit Price"),
                  count(*) FILTER (WHERE i."Stock Item Key" IS NULL OR c."Customer Key" IS NULL
                                   OR d."Date" IS NULL OR ci."City Key" IS NULL)
           FROM "Fact"."Sale" s
           LEFT JOIN "Dimension"."Stock Item" i USING ("Stock Item Key")
           LEFT JOIN "Dimension"."Customer" c USING ("Customer Key")
           LEFT JOIN "Dimension"."City" ci USING ("City Key")
           LEFT JOIN "Dimension"."Date" d ON d."Date" = s."Invoice Date Key" """,
    )[0]
    assert bad_amounts == 0 and orphans == 0
    assert _rows(wwi_demo_path, 'SELECT count(*) FROM "Fact"."Order"') == [(sale_lines,)]
    issues = _rows(
        wwi_demo_path,
        """SELECT count(*), -sum("Quantity") FROM "Fact"."Movement" m
           JOIN "Dimension"."Transaction Type" t USING ("Transaction Type Key")
           WHERE t."Transaction Type" = 'Stock Issue'""",
    )
    assert issues == _rows(wwi_demo_path, 'SELECT count(*), sum("Quantity") FROM "Fact"."Sale"')
    yearly = _rows(
        wwi_demo_path,
        'SELECT year("Invoice Date Key"), count(*) FROM "Fact"."Sale" GROUP BY 1 ORDER BY 1',
    )
    assert [y for y, _ in yearly] == [2013, 2014, 2015, 2016]
    assert all(b[1] > a[1] for a, b in itertools.pairwise(yearly))


def test_planted_items_below_reorder_level_are_exactly_the_documented_ones(
    wwi_demo_path: Path,
) -> None:
    below = _rows(
        wwi_demo_path,
        """SELECT h."Stock Item Key", i."Stock Item", h."Quantity On Hand", h."Reorder Level",
                  h."Target Stock Level", i."Quantity Per Outer", i."Lead Time Days"
           FROM "Fact"."Stock Holding" h JOIN "Dimension"."Stock Item" i USING ("Stock Item Key")
           WHERE h."Quantity On Hand" < h."Reorder Level" ORDER BY 1""",
    )
    expected = [
        (c.stock_item_key, c.stock_item, c.quantity_on_hand, c.reorder_level,
         c.target_stock_level, c.quantity_per_outer, c.lead_time_days)
        for c in wwi_planted.BELOW_REORDER
    ]  # fmt: skip
    assert below == expected
    lowest = _rows(
        wwi_demo_path,
        'SELECT min("Quantity On Hand" / "Reorder Level") FROM "Fact"."Stock Holding" '
        'WHERE "Quantity On Hand" >= "Reorder Level"',
    )[0][0]
    assert lowest >= 1.3


def test_planted_unreliable_supplier_has_low_fill_few_finalised_and_erratic_lead_times(
    wwi_demo_path: Path,
) -> None:
    stats = _rows(
        wwi_demo_path,
        """WITH lead AS (
             SELECT p."Supplier Key", m."Date Key" - p."Date Key" AS days
             FROM "Fact"."Purchase" p JOIN "Fact"."Movement" m
               ON m."WWI Purchase Order ID" = p."WWI Purchase Order ID"
              AND m."Stock Item Key" = p."Stock Item Key"
             JOIN "Dimension"."Transaction Type" t USING ("Transaction Type Key")
             WHERE t."Transaction Type" = 'Stock Receipt')
           SELECT s."Supplier Key", s."Supplier",
                  sum(p."Received Outers") / sum(p."Ordered Outers"),
                  avg(p."Is Order Finalized"::INTEGER),
                  (SELECT avg(days) FROM lead l WHERE l."Supplier Key" = s."Supplier Key"),
                  (SELECT stddev(days) FROM lead l WHERE l."Supplier Key" = s."Supplier Key"),
                  (SELECT min(days) FROM lead l WHERE l."Supplier Key" = s."Supplier Key"),
                  (SELECT max(days) FROM lead l WHERE l."Supplier Key" = s."Supplier Key")
           FROM "Fact"."Purchase" p JOIN "Dimension"."Supplier" s USING ("Supplier Key")
           GROUP BY 1, 2 ORDER BY 1""",
    )
    assert len(stats) >= 5
    for key, name, fill, finalised, mean, spread, low, high in stats:
        if key == wwi_planted.UNRELIABLE_SUPPLIER_KEY:
            assert name == wwi_planted.UNRELIABLE_SUPPLIER
            assert fill < wwi_planted.UNRELIABLE_MAX_FILL_RATE
            assert finalised < wwi_planted.UNRELIABLE_MAX_FINALIZED_SHARE
            assert mean > 30 and spread > 8
            lo, hi = wwi_planted.UNRELIABLE_LEAD_DAYS
            assert lo <= low and high <= hi
        else:
            assert fill > wwi_planted.RELIABLE_MIN_FILL_RATE, name
            assert finalised > wwi_planted.RELIABLE_MIN_FINALIZED_SHARE, name
            assert spread < 3, name
            lo, hi = wwi_planted.RELIABLE_LEAD_DAYS
            assert lo <= low and high <= hi, name
    assert wwi_planted.UNRELIABLE_SUPPLIER_KEY in [s[0] for s in stats]


def test_planted_demand_spike_is_the_largest_last_week_jump(wwi_demo_path: Path) -> None:
    ranked = _rows(
        wwi_demo_path,
        """WITH last AS (SELECT max("Invoice Date Key") AS d FROM "Fact"."Sale"),
           per_item AS (
             SELECT "Stock Item Key" AS k,
                    sum("Quantity") FILTER (WHERE "Invoice Date Key" > d - ?) AS recent,
                    sum("Quantity") FILTER (WHERE "Invoice Date Key" <= d - ?
                                            AND "Invoice Date Key" > d - ?) / (? / 7.0) AS weekly
             FROM "Fact"."Sale", last GROUP BY 1)
           SELECT k, i."Stock Item", recent / weekly AS ratio
           FROM per_item JOIN "Dimension"."Stock Item" i ON i."Stock Item Key" = k
           WHERE weekly > 0 ORDER BY ratio DESC LIMIT 2""",
        [
            wwi_planted.SPIKE_WINDOW_DAYS,
            wwi_planted.SPIKE_WINDOW_DAYS,
            wwi_planted.SPIKE_WINDOW_DAYS + wwi_planted.SPIKE_BASELINE_DAYS,
            wwi_planted.SPIKE_BASELINE_DAYS,
        ],
    )
    (key, name, ratio), (_, _, runner_up) = ranked
    assert (key, name) == (wwi_planted.SPIKE_STOCK_ITEM_KEY, wwi_planted.SPIKE_STOCK_ITEM)
    assert ratio >= wwi_planted.SPIKE_MIN_RATIO
    assert runner_up < ratio / 2


def _build_real(name: str, folder: Path, factory: pytest.TempPathFactory) -> Path:
    """One warehouse loaded from its own sample folder (small scale); skips naming the folder."""
    _need(folder)
    out = factory.mktemp(f"demo-real-{name}")
    build_warehouse(name, out, seed=1, scale=0.05, data_dir=folder)
    return out


@pytest.fixture(scope="module")
def real_aw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """AdventureWorksDW loaded from ../shared/data/adventureworks-dw; needs only that folder."""
    return _build_real("aw", AW_DIR, tmp_path_factory)


@pytest.fixture(scope="module")
def real_wwi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """WideWorldImportersDW loaded from ../shared/data/wide-world-importers-dw."""
    return _build_real("wwi", WWI_DIR, tmp_path_factory)


def test_real_aw_internet_sales_match_the_file_exactly(real_aw_dir: Path) -> None:
    count, total = 0, Decimal(0)
    with (AW_DIR / "FactInternetSales.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE):
            count += 1
            total += Decimal(row[18])
    loaded = _rows(
        real_aw_dir / "aw.duckdb", "SELECT count(*), sum(SalesAmount) FROM dbo.FactInternetSales"
    )
    assert loaded == [(count, total)]


def test_real_aw_tables_have_every_row_of_their_files(real_aw_dir: Path) -> None:
    for name in aw_tables.TABLES:
        with (AW_DIR / f"{name}.csv").open("rb") as handle:
            lines = sum(1 for _ in handle)
        loaded = _rows(real_aw_dir / "aw.duckdb", f"SELECT count(*) FROM dbo.{name}")
        assert loaded == [(lines,)], name
    quoted = _rows(
        real_aw_dir / "aw.duckdb",
        "SELECT count(*) FROM dbo.DimProduct WHERE starts_with(GermanDescription, '\"')",
    )[0][0]
    assert quoted > 0  # QUOTE_NONE: a leading double quote is data


def test_real_wwi_purchases_match_the_file_exactly(real_wwi_dir: Path) -> None:
    with (WWI_DIR / "fact_purchase.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="|"))
    received = sum(int(r["Received Outers"]) for r in rows)
    loaded = _rows(
        real_wwi_dir / "wwi.duckdb",
        'SELECT count(*), sum("Received Outers") FROM "Fact"."Purchase"',
    )
    assert loaded == [(len(rows), received)]


def test_real_wwi_export_artefacts_are_undone(real_wwi_dir: Path) -> None:
    with (WWI_DIR / "dimension_stock_item.csv").open(encoding="utf-8", newline="") as handle:
        items = list(csv.DictReader(handle, delimiter="|"))
    empty_color = sum(1 for r in items if r["Color"] == "")
    path = real_wwi_dir / "wwi.duckdb"
    stats = _rows(
        path,
        """SELECT count(*) FILTER (WHERE "Color" = 'N/A'),
                  count(*) FILTER (WHERE "Barcode" LIKE '%.0'),
                  count(*) FILTER (WHERE year("Valid To") = 9999)
           FROM "Dimension"."Stock Item" """,
    )
    current = sum(1 for r in items if r["Valid To"].startswith("9999"))
    assert stats == [(empty_color, 0, current)]
    assert _rows(path, """SELECT count(*) FROM "Dimension"."Supplier" WHERE "Postal Code" LIKE '%.0'
                          OR "Postal Code" = '' """) == [(0,)]  # fmt: skip
    sold_items_not_current = _rows(
        path,
        """SELECT count(*) FROM "Fact"."Sale" s JOIN "Dimension"."Stock Item" i
           USING ("Stock Item Key") WHERE year(i."Valid To") <> 9999""",
    )
    assert sold_items_not_current == [(0,)]
    receipts = _rows(
        path,
        """SELECT count(*) FROM "Fact"."Movement" m
           JOIN "Dimension"."Transaction Type" t USING ("Transaction Type Key")
           WHERE t."Transaction Type" = 'Stock Receipt'""",
    )[0][0]
    with_goods = sum(1 for r in (WWI_DIR / "fact_purchase.csv").read_text().splitlines()[1:]
                     if int(r.split("|")[7]) > 0)  # fmt: skip
    assert receipts == with_goods


@pytest.mark.parametrize("warehouse", ["aw", "wwi"])
def test_every_table_compiles_to_t_sql_that_sqlglot_parses(warehouse: str) -> None:
    dialect = mssql.dialect()  # type: ignore[no-untyped-call]
    for name, table in TABLES[warehouse].items():
        ddl = str(CreateTable(table).compile(dialect=dialect))
        parsed = sqlglot.parse_one(ddl, read="tsql")
        assert parsed.find(exp.Schema) is not None, name
        query = str(select(table).compile(dialect=dialect))
        assert (
            f"[{table.schema}].[{table.name}]" in query or f"{table.schema}.[{table.name}]" in query
        )


def test_sqlalchemy_core_queries_run_on_the_read_only_duckdb_file(wwi_demo_path: Path) -> None:
    engine = create_engine(f"duckdb:///{wwi_demo_path}", connect_args={"read_only": True})
    sale, item = wwi_tables.Sale, wwi_tables.StockItem
    query = (
        select(item.c["Stock Item"], func.sum(sale.c["Quantity"]).label("quantity"))
        .join(item, item.c["Stock Item Key"] == sale.c["Stock Item Key"])
        .where(item.c["Stock Item Key"] == wwi_planted.SPIKE_STOCK_ITEM_KEY)
        .group_by(item.c["Stock Item"])
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    assert len(rows) == 1 and rows[0][0] == wwi_planted.SPIKE_STOCK_ITEM and rows[0][1] > 0


def test_an_interrupted_duckdb_query_is_recognised_as_an_interrupt() -> None:
    """A query stopped while it runs raises DuckDB's own error, which the CLI must treat as Ctrl-C
    (no traceback), unlike any other RuntimeError. The stop comes through DuckDB's API: a real
    SIGINT is taken by DuckDB only intermittently, which made a signal-driven test hang."""
    con = duckdb.connect()
    timer = threading.Timer(0.3, con.interrupt)
    caught: Exception | None = None
    timer.start()
    try:
        con.execute("SELECT count(*) FROM range(100000000000) a, range(10) b").fetchall()
    except Exception as error:
        caught = error
    finally:
        timer.cancel()
        con.close()
    assert caught is not None and _interrupted(caught), repr(caught)
    assert _interrupted(RuntimeError("Query interrupted"))  # the form a taken SIGINT raises
    assert not _interrupted(RuntimeError("Catalog Error: table not found"))
