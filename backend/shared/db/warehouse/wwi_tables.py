"""WideWorldImportersDW tables (schemas ``Fact`` and ``Dimension``) as SQLAlchemy Core tables.

Column names (with their spaces), order, nullability and types follow Microsoft's
``wwi-dw-ssdt`` project (``samples/databases/wide-world-importers/wwi-dw-ssdt/wwi-dw-ssdt/
{Fact,Dimension}/Tables/*.sql`` in ``microsoft/sql-server-samples``). Deviations, all forced by
portability to DuckDB: ``datetime2(7)`` is ``DateTime`` (DuckDB keeps microseconds, so the
"current row" marker ``9999-12-31 23:59:59.9999999`` reads back as ``...59.999999``), the
``geography`` column ``Dimension.City.Location`` is ``LargeBinary`` (always NULL in the demo),
and only primary keys are declared. Python names drop the spaces: ``StockItem`` is
``Dimension."Stock Item"``, ``StockHolding`` is ``Fact."Stock Holding"``.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from shared.db.warehouse._columns import (
    BIGINT,
    BINARY,
    BIT,
    DATE,
    DATETIME,
    DEC_18_2,
    DEC_18_3,
    INT,
    col,
    nvarchar,
)

FACT = "Fact"
DIMENSION = "Dimension"
metadata = MetaData()

Sale = Table(
    "Sale",
    metadata,
    col("Sale Key", BIGINT, pk=True),
    col("City Key", INT),
    col("Customer Key", INT),
    col("Bill To Customer Key", INT),
    col("Stock Item Key", INT),
    col("Invoice Date Key", DATE, pk=True),
    col("Delivery Date Key", DATE, null=True),
    col("Salesperson Key", INT),
    col("WWI Invoice ID", INT),
    col("Description", nvarchar(100)),
    col("Package", nvarchar(50)),
    col("Quantity", INT),
    col("Unit Price", DEC_18_2),
    col("Tax Rate", DEC_18_3),
    col("Total Excluding Tax", DEC_18_2),
    col("Tax Amount", DEC_18_2),
    col("Profit", DEC_18_2),
    col("Total Including Tax", DEC_18_2),
    col("Total Dry Items", INT),
    col("Total Chiller Items", INT),
    col("Lineage Key", INT),
    schema=FACT,
)

Order = Table(
    "Order",
    metadata,
    col("Order Key", BIGINT, pk=True),
    col("City Key", INT),
    col("Customer Key", INT),
    col("Stock Item Key", INT),
    col("Order Date Key", DATE, pk=True),
    col("Picked Date Key", DATE, null=True),
    col("Salesperson Key", INT),
    col("Picker Key", INT, null=True),
    col("WWI Order ID", INT),
    col("WWI Backorder ID", INT, null=True),
    col("Description", nvarchar(100)),
    col("Package", nvarchar(50)),
    col("Quantity", INT),
    col("Unit Price", DEC_18_2),
    col("Tax Rate", DEC_18_3),
    col("Total Excluding Tax", DEC_18_2),
    col("Tax Amount", DEC_18_2),
    col("Total Including Tax", DEC_18_2),
    col("Lineage Key", INT),
    schema=FACT,
)

Purchase = Table(
    "Purchase",
    metadata,
    col("Purchase Key", BIGINT, pk=True),
    col("Date Key", DATE),
    col("Supplier Key", INT),
    col("Stock Item Key", INT),
    col("WWI Purchase Order ID", INT, null=True),
    col("Ordered Outers", INT),
    col("Ordered Quantity", INT),
    col("Received Outers", INT),
    col("Package", nvarchar(50)),
    col("Is Order Finalized", BIT),
    col("Lineage Key", INT),
    schema=FACT,
)

StockHolding = Table(
    "Stock Holding",
    metadata,
    col("Stock Holding Key", BIGINT, pk=True),
    col("Stock Item Key", INT),
    col("Quantity On Hand", INT),
    col("Bin Location", nvarchar(20)),
    col("Last Stocktake Quantity", INT),
    col("Last Cost Price", DEC_18_2),
    col("Reorder Level", INT),
    col("Target Stock Level", INT),
    col("Lineage Key", INT),
    schema=FACT,
)

Movement = Table(
    "Movement",
    metadata,
    col("Movement Key", BIGINT, pk=True),
    col("Date Key", DATE, pk=True),
    col("Stock Item Key", INT),
    col("Customer Key", INT, null=True),
    col("Supplier Key", INT, null=True),
    col("Transaction Type Key", INT),
    col("WWI Stock Item Transaction ID", INT),
    col("WWI Invoice ID", INT, null=True),
    col("WWI Purchase Order ID", INT, null=True),
    col("Quantity", INT),
    col("Lineage Key", INT),
    schema=FACT,
)

StockItem = Table(
    "Stock Item",
    metadata,
    col("Stock Item Key", INT, pk=True),
    col("WWI Stock Item ID", INT),
    col("Stock Item", nvarchar(100)),
    col("Color", nvarchar(20)),
    col("Selling Package", nvarchar(50)),
    col("Buying Package", nvarchar(50)),
    col("Brand", nvarchar(50)),
    col("Size", nvarchar(20)),
    col("Lead Time Days", INT),
    col("Quantity Per Outer", INT),
    col("Is Chiller Stock", BIT),
    col("Barcode", nvarchar(50), null=True),
    col("Tax Rate", DEC_18_3),
    col("Unit Price", DEC_18_2),
    col("Recommended Retail Price", DEC_18_2, null=True),
    col("Typical Weight Per Unit", DEC_18_3),
    col("Photo", BINARY, null=True),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

Supplier = Table(
    "Supplier",
    metadata,
    col("Supplier Key", INT, pk=True),
    col("WWI Supplier ID", INT),
    col("Supplier", nvarchar(100)),
    col("Category", nvarchar(50)),
    col("Primary Contact", nvarchar(50)),
    col("Supplier Reference", nvarchar(20), null=True),
    col("Payment Days", INT),
    col("Postal Code", nvarchar(10)),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

Customer = Table(
    "Customer",
    metadata,
    col("Customer Key", INT, pk=True),
    col("WWI Customer ID", INT),
    col("Customer", nvarchar(100)),
    col("Bill To Customer", nvarchar(100)),
    col("Category", nvarchar(50)),
    col("Buying Group", nvarchar(50)),
    col("Primary Contact", nvarchar(50)),
    col("Postal Code", nvarchar(10)),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

City = Table(
    "City",
    metadata,
    col("City Key", INT, pk=True),
    col("WWI City ID", INT),
    col("City", nvarchar(50)),
    col("State Province", nvarchar(50)),
    col("Country", nvarchar(60)),
    col("Continent", nvarchar(30)),
    col("Sales Territory", nvarchar(50)),
    col("Region", nvarchar(30)),
    col("Subregion", nvarchar(30)),
    col("Location", BINARY, null=True),
    col("Latest Recorded Population", BIGINT),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

Employee = Table(
    "Employee",
    metadata,
    col("Employee Key", INT, pk=True),
    col("WWI Employee ID", INT),
    col("Employee", nvarchar(50)),
    col("Preferred Name", nvarchar(50)),
    col("Is Salesperson", BIT),
    col("Photo", BINARY, null=True),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

TransactionType = Table(
    "Transaction Type",
    metadata,
    col("Transaction Type Key", INT, pk=True),
    col("WWI Transaction Type ID", INT),
    col("Transaction Type", nvarchar(50)),
    col("Valid From", DATETIME),
    col("Valid To", DATETIME),
    col("Lineage Key", INT),
    schema=DIMENSION,
)

# Dimension.Date: Microsoft's current definition (63 columns; the key is the date itself).
_DATE_LABELS_40 = [
    f"Beginning of {p} Label{s}"
    for p in ("Month", "Quarter", "Half Year", "Year")
    for s in ("", " Short")
]
Date = Table(
    "Date",
    metadata,
    col("Date", DATE, pk=True),
    col("DateKey", INT),
    col("Day Number", INT),
    col("Day", nvarchar(10)),
    col("Day of Year", nvarchar(5)),
    col("Day of Year Number", INT),
    col("Day of Week", nvarchar(20)),
    col("Day of Week Number", INT),
    col("Week of Year", nvarchar(5)),
    col("Month", nvarchar(10)),
    col("Short Month", nvarchar(3)),
    col("Quarter", nvarchar(2)),
    col("Half of Year", nvarchar(3)),
    col("Beginning of Month", DATE),
    col("Beginning of Quarter", DATE),
    col("Beginning of Half Year", DATE),
    col("Beginning of Year", DATE),
    *(col(name, nvarchar(40)) for name in _DATE_LABELS_40),
    col("Calendar Day Label", nvarchar(20)),
    col("Calendar Day Label Short", nvarchar(20)),
    col("Calendar Week Number", INT),
    col("Calendar Week Label", nvarchar(20)),
    col("Calendar Month Number", INT),
    col("Calendar Month Label", nvarchar(20)),
    col("Calendar Month Year Label", nvarchar(20)),
    col("Calendar Quarter Number", INT),
    col("Calendar Quarter Label", nvarchar(20)),
    col("Calendar Quarter Year Label", nvarchar(20)),
    col("Calendar Half of Year Number", INT),
    col("Calendar Half of Year Label", nvarchar(20)),
    col("Calendar Year Half of Year Label", nvarchar(20)),
    col("Calendar Year", INT),
    col("Calendar Year Label", nvarchar(10)),
    col("Fiscal Month Number", INT),
    col("Fiscal Month Label", nvarchar(20)),
    col("Fiscal Quarter Number", INT),
    col("Fiscal Quarter Label", nvarchar(20)),
    col("Fiscal Half of Year Number", INT),
    col("Fiscal Half of Year Label", nvarchar(20)),
    col("Fiscal Year", INT),
    col("Fiscal Year Label", nvarchar(10)),
    col("Date Key", INT),
    col("Year Week Key", INT),
    col("Year Month Key", INT),
    col("Year Quarter Key", INT),
    col("Year Half of Year Key", INT),
    col("Year Key", INT),
    col("Beginning of Month Key", INT),
    col("Beginning of Quarter Key", INT),
    col("Beginning of Half Year Key", INT),
    col("Beginning of Year Key", INT),
    col("Fiscal Year Month Key", INT),
    col("Fiscal Year Quarter Key", INT),
    col("Fiscal Year Half of Year Key", INT),
    col("ISO Week Number", INT),
    schema=DIMENSION,
)

TABLES: dict[str, Table] = {f"{t.schema}.{t.name}": t for t in metadata.sorted_tables}
"""Every WideWorldImportersDW table by ``"<schema>.<name>"`` (``"Fact.Stock Holding"``, ...)."""
