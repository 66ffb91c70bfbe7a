"""AdventureWorksDW tables (schema ``dbo``) as SQLAlchemy Core ``Table`` objects.

Names, column order, nullability and types follow Microsoft's install script
(``instawdbdw.sql``) as listed in ``/work/shared/data/README.md``, so the same query compiles to
T-SQL for SQL Server and runs on the embedded DuckDB demo warehouse. Binary columns
(``LargePhoto``, ``EmployeePhoto``, ``SalesTerritoryImage``) are ``LargeBinary``; the demo
leaves them NULL. Only primary keys are declared (no foreign keys): the warehouse is read-only
and the queries state their joins.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from shared.db.warehouse._columns import (
    BINARY,
    BIT,
    DATE,
    DATETIME,
    FLOAT,
    INT,
    MONEY,
    SMALLINT,
    TINYINT,
    col,
    nvarchar,
    varchar,
)

SCHEMA = "dbo"
metadata = MetaData(schema=SCHEMA)


def _sales_fact(name: str, *, reseller: bool) -> Table:
    """FactInternetSales and FactResellerSales share all but their party columns."""
    party = (
        [col("ResellerKey", INT), col("EmployeeKey", INT)]
        if reseller
        else [col("CustomerKey", INT)]
    )
    # In FactResellerSales every measure is NULL-able; in FactInternetSales none is.
    n = reseller
    return Table(
        name,
        metadata,
        col("ProductKey", INT),
        col("OrderDateKey", INT),
        col("DueDateKey", INT),
        col("ShipDateKey", INT),
        *party,
        col("PromotionKey", INT),
        col("CurrencyKey", INT),
        col("SalesTerritoryKey", INT),
        col("SalesOrderNumber", nvarchar(20), pk=True),
        col("SalesOrderLineNumber", TINYINT, pk=True),
        col("RevisionNumber", TINYINT, null=n),
        col("OrderQuantity", SMALLINT, null=n),
        col("UnitPrice", MONEY, null=n),
        col("ExtendedAmount", MONEY, null=n),
        col("UnitPriceDiscountPct", FLOAT, null=n),
        col("DiscountAmount", FLOAT, null=n),
        col("ProductStandardCost", MONEY, null=n),
        col("TotalProductCost", MONEY, null=n),
        col("SalesAmount", MONEY, null=n),
        col("TaxAmt", MONEY, null=n),
        col("Freight", MONEY, null=n),
        col("CarrierTrackingNumber", nvarchar(25), null=True),
        col("CustomerPONumber", nvarchar(25), null=True),
        col("OrderDate", DATETIME, null=True),
        col("DueDate", DATETIME, null=True),
        col("ShipDate", DATETIME, null=True),
    )


FactInternetSales = _sales_fact("FactInternetSales", reseller=False)
FactResellerSales = _sales_fact("FactResellerSales", reseller=True)

FactSalesQuota = Table(
    "FactSalesQuota",
    metadata,
    col("SalesQuotaKey", INT, pk=True),
    col("EmployeeKey", INT),
    col("DateKey", INT),
    col("CalendarYear", SMALLINT),
    col("CalendarQuarter", TINYINT),
    col("SalesAmountQuota", MONEY),
    col("Date", DATETIME, null=True),
)

DimDate = Table(
    "DimDate",
    metadata,
    col("DateKey", INT, pk=True),
    col("FullDateAlternateKey", DATE),
    col("DayNumberOfWeek", TINYINT),
    col("EnglishDayNameOfWeek", nvarchar(10)),
    col("SpanishDayNameOfWeek", nvarchar(10)),
    col("FrenchDayNameOfWeek", nvarchar(10)),
    col("DayNumberOfMonth", TINYINT),
    col("DayNumberOfYear", SMALLINT),
    col("WeekNumberOfYear", TINYINT),
    col("EnglishMonthName", nvarchar(10)),
    col("SpanishMonthName", nvarchar(10)),
    col("FrenchMonthName", nvarchar(10)),
    col("MonthNumberOfYear", TINYINT),
    col("CalendarQuarter", TINYINT),
    col("CalendarYear", SMALLINT),
    col("CalendarSemester", TINYINT),
    col("FiscalQuarter", TINYINT),
    col("FiscalYear", SMALLINT),
    col("FiscalSemester", TINYINT),
)

DimProduct = Table(
    "DimProduct",
    metadata,
    col("ProductKey", INT, pk=True),
    col("ProductAlternateKey", nvarchar(25), null=True),
    col("ProductSubcategoryKey", INT, null=True),
    col("WeightUnitMeasureCode", nvarchar(3), null=True),
    col("SizeUnitMeasureCode", nvarchar(3), null=True),
    col("EnglishProductName", nvarchar(50)),
    col("SpanishProductName", nvarchar(50)),
    col("FrenchProductName", nvarchar(50)),
    col("StandardCost", MONEY, null=True),
    col("FinishedGoodsFlag", BIT),
    col("Color", nvarchar(15)),
    col("SafetyStockLevel", SMALLINT, null=True),
    col("ReorderPoint", SMALLINT, null=True),
    col("ListPrice", MONEY, null=True),
    col("Size", nvarchar(50), null=True),
    col("SizeRange", nvarchar(50), null=True),
    col("Weight", FLOAT, null=True),
    col("DaysToManufacture", INT, null=True),
    col("ProductLine", nvarchar(2), null=True),
    col("DealerPrice", MONEY, null=True),
    col("Class", nvarchar(2), null=True),
    col("Style", nvarchar(2), null=True),
    col("ModelName", nvarchar(50), null=True),
    col("LargePhoto", BINARY, null=True),
    col("EnglishDescription", nvarchar(400), null=True),
    col("FrenchDescription", nvarchar(400), null=True),
    col("ChineseDescription", nvarchar(400), null=True),
    col("ArabicDescription", nvarchar(400), null=True),
    col("HebrewDescription", nvarchar(400), null=True),
    col("ThaiDescription", nvarchar(400), null=True),
    col("GermanDescription", nvarchar(400), null=True),
    col("JapaneseDescription", nvarchar(400), null=True),
    col("TurkishDescription", nvarchar(400), null=True),
    col("StartDate", DATETIME, null=True),
    col("EndDate", DATETIME, null=True),
    col("Status", nvarchar(7), null=True),
)

DimProductSubcategory = Table(
    "DimProductSubcategory",
    metadata,
    col("ProductSubcategoryKey", INT, pk=True),
    col("ProductSubcategoryAlternateKey", INT, null=True),
    col("EnglishProductSubcategoryName", nvarchar(50)),
    col("SpanishProductSubcategoryName", nvarchar(50)),
    col("FrenchProductSubcategoryName", nvarchar(50)),
    col("ProductCategoryKey", INT, null=True),
)

DimProductCategory = Table(
    "DimProductCategory",
    metadata,
    col("ProductCategoryKey", INT, pk=True),
    col("ProductCategoryAlternateKey", INT, null=True),
    col("EnglishProductCategoryName", nvarchar(50)),
    col("SpanishProductCategoryName", nvarchar(50)),
    col("FrenchProductCategoryName", nvarchar(50)),
)

DimEmployee = Table(
    "DimEmployee",
    metadata,
    col("EmployeeKey", INT, pk=True),
    col("ParentEmployeeKey", INT, null=True),
    col("EmployeeNationalIDAlternateKey", nvarchar(15), null=True),
    col("ParentEmployeeNationalIDAlternateKey", nvarchar(15), null=True),
    col("SalesTerritoryKey", INT, null=True),
    col("FirstName", nvarchar(50)),
    col("LastName", nvarchar(50)),
    col("MiddleName", nvarchar(50), null=True),
    col("NameStyle", BIT),
    col("Title", nvarchar(50), null=True),
    col("HireDate", DATE, null=True),
    col("BirthDate", DATE, null=True),
    col("LoginID", nvarchar(256), null=True),
    col("EmailAddress", nvarchar(50), null=True),
    col("Phone", nvarchar(25), null=True),
    col("MaritalStatus", nvarchar(1), null=True),
    col("EmergencyContactName", nvarchar(50), null=True),
    col("EmergencyContactPhone", nvarchar(25), null=True),
    col("SalariedFlag", BIT, null=True),
    col("Gender", nvarchar(1), null=True),
    col("PayFrequency", TINYINT, null=True),
    col("BaseRate", MONEY, null=True),
    col("VacationHours", SMALLINT, null=True),
    col("SickLeaveHours", SMALLINT, null=True),
    col("CurrentFlag", BIT),
    col("SalesPersonFlag", BIT),
    col("DepartmentName", nvarchar(50), null=True),
    col("StartDate", DATE, null=True),
    col("EndDate", DATE, null=True),
    col("Status", nvarchar(50), null=True),
    col("EmployeePhoto", BINARY, null=True),
)

DimSalesTerritory = Table(
    "DimSalesTerritory",
    metadata,
    col("SalesTerritoryKey", INT, pk=True),
    col("SalesTerritoryAlternateKey", INT, null=True),
    col("SalesTerritoryRegion", nvarchar(50)),
    col("SalesTerritoryCountry", nvarchar(50)),
    col("SalesTerritoryGroup", nvarchar(50), null=True),
    col("SalesTerritoryImage", BINARY, null=True),
)

DimCustomer = Table(
    "DimCustomer",
    metadata,
    col("CustomerKey", INT, pk=True),
    col("GeographyKey", INT, null=True),
    col("CustomerAlternateKey", nvarchar(15)),
    col("Title", nvarchar(8), null=True),
    col("FirstName", nvarchar(50), null=True),
    col("MiddleName", nvarchar(50), null=True),
    col("LastName", nvarchar(50), null=True),
    col("NameStyle", BIT, null=True),
    col("BirthDate", DATE, null=True),
    col("MaritalStatus", nvarchar(1), null=True),
    col("Suffix", nvarchar(10), null=True),
    col("Gender", nvarchar(1), null=True),
    col("EmailAddress", nvarchar(50), null=True),
    col("YearlyIncome", MONEY, null=True),
    col("TotalChildren", TINYINT, null=True),
    col("NumberChildrenAtHome", TINYINT, null=True),
    col("EnglishEducation", nvarchar(40), null=True),
    col("SpanishEducation", nvarchar(40), null=True),
    col("FrenchEducation", nvarchar(40), null=True),
    col("EnglishOccupation", nvarchar(100), null=True),
    col("SpanishOccupation", nvarchar(100), null=True),
    col("FrenchOccupation", nvarchar(100), null=True),
    col("HouseOwnerFlag", nvarchar(1), null=True),
    col("NumberCarsOwned", TINYINT, null=True),
    col("AddressLine1", nvarchar(120), null=True),
    col("AddressLine2", nvarchar(120), null=True),
    col("Phone", nvarchar(20), null=True),
    col("DateFirstPurchase", DATE, null=True),
    col("CommuteDistance", nvarchar(15), null=True),
)

DimReseller = Table(
    "DimReseller",
    metadata,
    col("ResellerKey", INT, pk=True),
    col("GeographyKey", INT, null=True),
    col("ResellerAlternateKey", nvarchar(15), null=True),
    col("Phone", nvarchar(25), null=True),
    col("BusinessType", varchar(20)),
    col("ResellerName", nvarchar(50)),
    col("NumberEmployees", INT, null=True),
    col("OrderFrequency", varchar(1), null=True),
    col("OrderMonth", TINYINT, null=True),
    col("FirstOrderYear", INT, null=True),
    col("LastOrderYear", INT, null=True),
    col("ProductLine", nvarchar(50), null=True),
    col("AddressLine1", nvarchar(60), null=True),
    col("AddressLine2", nvarchar(60), null=True),
    col("AnnualSales", MONEY, null=True),
    col("BankName", nvarchar(50), null=True),
    col("MinPaymentType", TINYINT, null=True),
    col("MinPaymentAmount", MONEY, null=True),
    col("AnnualRevenue", MONEY, null=True),
    col("YearOpened", INT, null=True),
)

DimCurrency = Table(
    "DimCurrency",
    metadata,
    col("CurrencyKey", INT, pk=True),
    col("CurrencyAlternateKey", nvarchar(3)),
    col("CurrencyName", nvarchar(50)),
)

DimPromotion = Table(
    "DimPromotion",
    metadata,
    col("PromotionKey", INT, pk=True),
    col("PromotionAlternateKey", INT, null=True),
    col("EnglishPromotionName", nvarchar(255), null=True),
    col("SpanishPromotionName", nvarchar(255), null=True),
    col("FrenchPromotionName", nvarchar(255), null=True),
    col("DiscountPct", FLOAT, null=True),
    col("EnglishPromotionType", nvarchar(50), null=True),
    col("SpanishPromotionType", nvarchar(50), null=True),
    col("FrenchPromotionType", nvarchar(50), null=True),
    col("EnglishPromotionCategory", nvarchar(50), null=True),
    col("SpanishPromotionCategory", nvarchar(50), null=True),
    col("FrenchPromotionCategory", nvarchar(50), null=True),
    col("StartDate", DATETIME),
    col("EndDate", DATETIME, null=True),
    col("MinQty", INT, null=True),
    col("MaxQty", INT, null=True),
)

DimGeography = Table(
    "DimGeography",
    metadata,
    col("GeographyKey", INT, pk=True),
    col("City", nvarchar(30), null=True),
    col("StateProvinceCode", nvarchar(3), null=True),
    col("StateProvinceName", nvarchar(50), null=True),
    col("CountryRegionCode", nvarchar(3), null=True),
    col("EnglishCountryRegionName", nvarchar(50), null=True),
    col("SpanishCountryRegionName", nvarchar(50), null=True),
    col("FrenchCountryRegionName", nvarchar(50), null=True),
    col("PostalCode", nvarchar(15), null=True),
    col("SalesTerritoryKey", INT, null=True),
    col("IpAddressLocator", nvarchar(15), null=True),
)

TABLES: dict[str, Table] = {t.name: t for t in metadata.sorted_tables}
"""Every AdventureWorksDW table by its SQL name (``"FactInternetSales"``, ...)."""
