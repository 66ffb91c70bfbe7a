"""Deterministic AdventureWorksDW dimension rows (products, parties, territories, ...).

Everything random comes from the ``numpy.random.Generator`` passed in, so a seed fixes every
value. Product, territory, currency, promotion and employee rows do not depend on the scale;
customers and resellers shrink with it (but never below a useful minimum).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demo.aw_catalog import (
    CATEGORIES,
    CITIES,
    CURRENCIES,
    FIRST_NAMES,
    LAST_NAMES,
    PROMOTIONS,
    SALES_REPS,
    SUBCATEGORIES,
    TERRITORIES,
)

_CATALOG_START = dt.datetime(2009, 7, 1)


def categories() -> pd.DataFrame:
    """``DimProductCategory`` rows."""
    return pd.DataFrame(
        {
            "ProductCategoryKey": [c[0] for c in CATEGORIES],
            "ProductCategoryAlternateKey": [c[0] for c in CATEGORIES],
            "EnglishProductCategoryName": [c[1] for c in CATEGORIES],
            "SpanishProductCategoryName": [c[2] for c in CATEGORIES],
            "FrenchProductCategoryName": [c[3] for c in CATEGORIES],
        }
    )


def subcategories() -> pd.DataFrame:
    """``DimProductSubcategory`` rows (English names reused for Spanish and French)."""
    return pd.DataFrame(
        {
            "ProductSubcategoryKey": [s.key for s in SUBCATEGORIES],
            "ProductSubcategoryAlternateKey": [s.key for s in SUBCATEGORIES],
            "EnglishProductSubcategoryName": [s.name for s in SUBCATEGORIES],
            "SpanishProductSubcategoryName": [s.name for s in SUBCATEGORIES],
            "FrenchProductSubcategoryName": [s.name for s in SUBCATEGORIES],
            "ProductCategoryKey": [s.category_key for s in SUBCATEGORIES],
        }
    )


def products(rng: np.random.Generator) -> pd.DataFrame:
    """``DimProduct`` rows: one product per model, colour and size of every subcategory.

    Standard cost is 35-52 % of the list price and the dealer price 60 %, so every line sold,
    even at the largest volume discount, keeps a positive but varying margin.
    """
    rows: list[dict[str, object]] = []
    for sub in SUBCATEGORIES:
        for m, model in enumerate(sub.models):
            low, high = sub.price
            base = low + (high - low) * (m + rng.uniform(0.0, 1.0)) / len(sub.models)
            for color in sub.colors:
                for size in sub.sizes:
                    key = len(rows) + 1
                    name = model if color == "NA" else f"{model} {color}"
                    name = f"{name}, {size}" if size else name
                    list_price = round(base * rng.uniform(0.97, 1.03), 2)
                    cost = round(list_price * rng.uniform(0.35, 0.52), 4)
                    rows.append(
                        {
                            "ProductKey": key,
                            "ProductAlternateKey": f"{sub.name[:2].upper()}-{key:04d}",
                            "ProductSubcategoryKey": sub.key,
                            "WeightUnitMeasureCode": "LB " if sub.category_key == 1 else None,
                            "SizeUnitMeasureCode": "CM " if size.isdigit() else None,
                            "EnglishProductName": name,
                            "SpanishProductName": name,
                            "FrenchProductName": name,
                            "StandardCost": cost,
                            "FinishedGoodsFlag": True,
                            "Color": color,
                            "SafetyStockLevel": 100 if sub.category_key == 1 else 500,
                            "ReorderPoint": 75 if sub.category_key == 1 else 375,
                            "ListPrice": list_price,
                            "Size": size or None,
                            "SizeRange": f"{size} CM" if size.isdigit() else (size or "NA"),
                            "Weight": round(rng.uniform(18, 30), 2)
                            if sub.category_key == 1
                            else None,
                            "DaysToManufacture": 4 if sub.category_key == 1 else 0,
                            "ProductLine": f"{sub.line} ",
                            "DealerPrice": round(list_price * 0.6, 4),
                            "Class": "H " if list_price > 1500 else "M ",
                            "Style": "U ",
                            "ModelName": model,
                            "EnglishDescription": f"{model}: {sub.name.lower()} for every rider.",
                            "StartDate": _CATALOG_START,
                            "Status": "Current",
                        }
                    )
    return pd.DataFrame(rows)


def territories() -> pd.DataFrame:
    """``DimSalesTerritory`` rows (no images)."""
    return pd.DataFrame(
        {
            "SalesTerritoryKey": [t[0] for t in TERRITORIES],
            "SalesTerritoryAlternateKey": [t[0] if t[0] != 11 else 0 for t in TERRITORIES],
            "SalesTerritoryRegion": [t[1] for t in TERRITORIES],
            "SalesTerritoryCountry": [t[2] for t in TERRITORIES],
            "SalesTerritoryGroup": [t[3] for t in TERRITORIES],
        }
    )


def currencies() -> pd.DataFrame:
    """``DimCurrency`` rows: the currencies the territories trade in."""
    return pd.DataFrame(CURRENCIES, columns=["CurrencyKey", "CurrencyAlternateKey", "CurrencyName"])


def promotions(start: dt.date, end: dt.date) -> pd.DataFrame:
    """``DimPromotion`` rows: no discount and three reseller volume discounts."""
    begin = dt.datetime.combine(start, dt.time())
    finish = dt.datetime.combine(end, dt.time())
    return pd.DataFrame(
        {
            "PromotionKey": [p[0] for p in PROMOTIONS],
            "PromotionAlternateKey": [p[0] for p in PROMOTIONS],
            "EnglishPromotionName": [p[1] for p in PROMOTIONS],
            "DiscountPct": [p[4] for p in PROMOTIONS],
            "EnglishPromotionType": [p[2] for p in PROMOTIONS],
            "EnglishPromotionCategory": [p[3] for p in PROMOTIONS],
            "StartDate": [begin] * len(PROMOTIONS),
            "EndDate": [finish] * len(PROMOTIONS),
            "MinQty": [p[5] for p in PROMOTIONS],
            "MaxQty": pd.array([p[6] for p in PROMOTIONS], dtype="Int64"),
        }
    )


def geography() -> pd.DataFrame:
    """``DimGeography`` rows, one per city the parties live in."""
    return pd.DataFrame(
        {
            "GeographyKey": np.arange(1, len(CITIES) + 1),
            "City": [c[0] for c in CITIES],
            "StateProvinceCode": [c[1] for c in CITIES],
            "StateProvinceName": [c[2] for c in CITIES],
            "CountryRegionCode": [c[3] for c in CITIES],
            "EnglishCountryRegionName": [c[4] for c in CITIES],
            "PostalCode": [c[5] for c in CITIES],
            "SalesTerritoryKey": [c[6] for c in CITIES],
        }
    )


def employees(rng: np.random.Generator) -> pd.DataFrame:
    """``DimEmployee``: a sales VP, three regional managers and the 17 sales representatives.

    Only the representatives have ``SalesPersonFlag`` set; each reports to the manager of
    their territory group and sells in one territory.
    """
    group_of = {t[0]: t[3] for t in TERRITORIES}
    managers = [("Brian", "Welcker", "Vice President of Sales", None)] + [
        (first, last, f"{group} Sales Manager", group)
        for first, last, group in (
            ("Stephen", "Yang", "North America"),
            ("Amy", "Laszlo", "Europe"),
            ("Syed", "Moore", "Pacific"),
        )
    ]
    rows: list[dict[str, object]] = []
    for first, last, title, group in managers:
        rows.append(_employee(rng, len(rows) + 1, first, last, title, None, False))
        rows[-1]["ParentEmployeeKey"] = 1 if group else None
    manager_key = {m[3]: k + 1 for k, m in enumerate(managers) if m[3]}
    for first, last, territory in SALES_REPS:
        row = _employee(rng, len(rows) + 1, first, last, "Sales Representative", territory, True)
        row["ParentEmployeeKey"] = manager_key[group_of[territory]]
        rows.append(row)
    return pd.DataFrame(rows)


def _employee(
    rng: np.random.Generator,
    key: int,
    first: str,
    last: str,
    title: str,
    territory: int | None,
    sales_person: bool,
) -> dict[str, object]:
    login = f"{first.lower()}{key % 10}"
    hired = dt.date(2008, 1, 1) + dt.timedelta(days=int(rng.integers(0, 700)))
    return {
        "EmployeeKey": key,
        "EmployeeNationalIDAlternateKey": str(int(rng.integers(10_000_000, 999_999_999))),
        "SalesTerritoryKey": territory if territory is not None else 11,
        "FirstName": first,
        "LastName": last,
        "NameStyle": False,
        "Title": title,
        "HireDate": hired,
        "BirthDate": dt.date(1960 + int(rng.integers(0, 25)), int(rng.integers(1, 13)), 15),
        "LoginID": f"adventure-works\\{login}",
        "EmailAddress": f"{login}@adventure-works.com",
        "Phone": f"{rng.integers(200, 999)}-555-{rng.integers(100, 9999):04d}",
        "MaritalStatus": "M" if rng.random() < 0.5 else "S",
        "EmergencyContactName": f"{first} {last}",
        "SalariedFlag": True,
        "Gender": "M" if rng.random() < 0.5 else "F",
        "PayFrequency": 2,
        "BaseRate": 23.0769 if sales_person else 48.101,
        "VacationHours": int(rng.integers(10, 40)),
        "SickLeaveHours": int(rng.integers(20, 50)),
        "CurrentFlag": True,
        "SalesPersonFlag": sales_person,
        "DepartmentName": "Sales",
        "StartDate": hired,
        "Status": "Current",
    }


def customers(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """``DimCustomer`` rows; ``DateFirstPurchase`` is filled in from the sales afterwards."""
    keys = np.arange(11000, 11000 + count)
    first = rng.choice(FIRST_NAMES, count)
    last = rng.choice(LAST_NAMES, count)
    geo = rng.integers(1, len(CITIES) + 1, count)
    born = pd.Timestamp(1945, 1, 1) + pd.to_timedelta(rng.integers(0, 365 * 50, count), unit="D")
    education = rng.choice(
        ["Bachelors", "Partial College", "High School", "Graduate Degree"], count
    )
    occupation = rng.choice(["Professional", "Skilled Manual", "Management", "Clerical"], count)
    children = rng.integers(0, 5, count)
    return pd.DataFrame(
        {
            "CustomerKey": keys,
            "GeographyKey": geo,
            "CustomerAlternateKey": [f"AW{k:08d}" for k in keys],
            "FirstName": first,
            "LastName": last,
            "NameStyle": False,
            "BirthDate": born.date,
            "MaritalStatus": rng.choice(["M", "S"], count),
            "Gender": rng.choice(["M", "F"], count),
            "EmailAddress": [
                f"{f.lower()}{k % 100}@adventure-works.com"
                for f, k in zip(first, keys, strict=True)
            ],
            "YearlyIncome": rng.integers(1, 17, count) * 10000.0,
            "TotalChildren": children,
            "NumberChildrenAtHome": np.minimum(children, rng.integers(0, 4, count)),
            "EnglishEducation": education,
            "EnglishOccupation": occupation,
            "HouseOwnerFlag": rng.choice(["0", "1"], count),
            "NumberCarsOwned": rng.integers(0, 5, count),
            "AddressLine1": [f"{n} Main St." for n in rng.integers(1, 9999, count)],
            "Phone": [
                f"{a}-555-{b:04d}"
                for a, b in zip(
                    rng.integers(200, 999, count), rng.integers(0, 9999, count), strict=True
                )
            ],
            "CommuteDistance": rng.choice(
                ["0-1 Miles", "1-2 Miles", "2-5 Miles", "5-10 Miles", "10+ Miles"], count
            ),
        }
    )


def resellers(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """``DimReseller`` rows: bike shops, value-added resellers and warehouses."""
    keys = np.arange(1, count + 1)
    adjective = rng.choice(
        ["Great", "Metro", "Valley", "Coastal", "Urban", "Alpine", "Sports"], count
    )
    noun = rng.choice(
        ["Bikes", "Cycles", "Sporting Goods", "Wheels", "Outfitters", "Riders"], count
    )
    kind = rng.choice(
        ["Specialty Bike Shop", "Value Added Reseller", "Warehouse"], count, p=[0.45, 0.35, 0.2]
    )
    annual = np.where(
        kind == "Warehouse",
        3_000_000.0,
        np.where(kind == "Value Added Reseller", 800_000.0, 300_000.0),
    )
    first_year = rng.integers(2010, 2013, count)
    return pd.DataFrame(
        {
            "ResellerKey": keys,
            "GeographyKey": rng.integers(1, len(CITIES) + 1, count),
            "ResellerAlternateKey": [f"AW{k:08d}" for k in keys],
            "Phone": [
                f"{a}-555-0{b:03d}"
                for a, b in zip(
                    rng.integers(200, 999, count), rng.integers(100, 999, count), strict=True
                )
            ],
            "BusinessType": kind,
            "ResellerName": [f"{a} {n} {k}" for a, n, k in zip(adjective, noun, keys, strict=True)],
            "NumberEmployees": rng.integers(2, 100, count),
            "OrderFrequency": rng.choice(["A", "S", "Q"], count),
            "OrderMonth": rng.integers(1, 13, count),
            "FirstOrderYear": first_year,
            "LastOrderYear": np.minimum(first_year + rng.integers(1, 4, count), 2013),
            "ProductLine": rng.choice(["Road", "Mountain", "Touring"], count),
            "AddressLine1": [f"{n} Commerce Way" for n in rng.integers(1, 9999, count)],
            "AnnualSales": annual,
            "BankName": rng.choice(
                ["International Bank", "Primary Bank & Reserve", "United Security"], count
            ),
            "MinPaymentType": rng.integers(1, 4, count),
            "MinPaymentAmount": annual / 100,
            "AnnualRevenue": annual / 10,
            "YearOpened": rng.integers(1970, 2005, count),
        }
    )
