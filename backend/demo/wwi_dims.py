"""WideWorldImportersDW dimension rows for the generator (cities, customers, employees,
suppliers, stock items, transaction types).

Like Microsoft's warehouse, every dimension has an "Unknown" member with key 0, and current rows
end at ``END_OF_TIME``. Stock items and suppliers come from the fixed catalogue (no randomness),
so planted cases can refer to them by key; customers use the seeded generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demo.wwi_catalog import CITIES, EMPLOYEES, FAMILIES, SUPPLIERS, TRANSACTION_TYPES

VALID_FROM = dt.datetime(2013, 1, 1)
END_OF_TIME = dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
"""``9999-12-31 23:59:59.9999999`` at DuckDB's microsecond precision: the current row marker."""


def _versioned(frame: pd.DataFrame, lineage: int) -> pd.DataFrame:
    out = frame.copy()
    out["Valid From"] = VALID_FROM
    out["Valid To"] = END_OF_TIME
    out["Lineage Key"] = lineage
    return out


def stock_items() -> pd.DataFrame:
    """``Dimension."Stock Item"``: one row per catalogue colour x size, plus Unknown (key 0).

    Besides the table's columns the frame carries the generator's model of each item
    (``supplier``, ``cost``, ``typical_quantity``), which ``table_columns`` strips before loading.
    """
    rows: list[dict[str, object]] = [
        {
            "Stock Item Key": 0, "WWI Stock Item ID": 0, "Stock Item": "Unknown", "Color": "N/A",
            "Selling Package": "N/A", "Buying Package": "N/A", "Brand": "N/A", "Size": "N/A",
            "Lead Time Days": 0, "Quantity Per Outer": 0, "Is Chiller Stock": False,
            "Barcode": "N/A", "Tax Rate": 0.0, "Unit Price": 0.0, "Recommended Retail Price": 0.0,
            "Typical Weight Per Unit": 0.0, "supplier": 0, "cost": 0.0, "typical_quantity": 0,
        }
    ]  # fmt: skip
    for family in FAMILIES:
        for color in family.colors:
            for size in family.sizes:
                key = len(rows)
                name = family.name
                name += f" ({color})" if color != "N/A" else ""
                name += f" {size}" if size else ""
                price = round(family.unit_price * (1.0 + 0.04 * (key % 3)), 2)
                rows.append(
                    {
                        "Stock Item Key": key,
                        "WWI Stock Item ID": key,
                        "Stock Item": name,
                        "Color": color,
                        "Selling Package": family.selling_package,
                        "Buying Package": family.buying_package,
                        "Brand": family.brand,
                        "Size": size or "N/A",
                        "Lead Time Days": family.lead_time_days,
                        "Quantity Per Outer": family.quantity_per_outer,
                        "Is Chiller Stock": family.chiller,
                        "Barcode": f"{8_792_000_000_000 + key * 7_919}" if key % 4 == 0 else "N/A",
                        "Tax Rate": 10.0 if family.chiller else 15.0,
                        "Unit Price": price,
                        "Recommended Retail Price": round(price * 1.495, 2),
                        "Typical Weight Per Unit": 0.25 if family.chiller else 0.4,
                        "supplier": family.supplier_key,
                        "cost": round(price * (0.5 + 0.02 * (key * 37 % 10)), 2),
                        "typical_quantity": family.typical_quantity,
                    }
                )
    return _versioned(pd.DataFrame(rows), 1)


def suppliers() -> pd.DataFrame:
    """``Dimension.Supplier`` from the catalogue, plus Unknown (key 0)."""
    rows = [
        {
            "Supplier Key": 0, "WWI Supplier ID": 0, "Supplier": "Unknown", "Category": "N/A",
            "Primary Contact": "N/A", "Supplier Reference": "N/A", "Payment Days": 0,
            "Postal Code": "N/A",
        }
    ] + [
        {
            "Supplier Key": s.key, "WWI Supplier ID": s.key, "Supplier": s.name,
            "Category": s.category, "Primary Contact": s.contact,
            "Supplier Reference": f"{s.name[:2].upper()}{20384 + s.key * 1117}",
            "Payment Days": 30 if s.key % 2 else 14, "Postal Code": s.postal_code,
        }
        for s in SUPPLIERS
    ]  # fmt: skip
    return _versioned(pd.DataFrame(rows), 2)


def cities() -> pd.DataFrame:
    """``Dimension.City`` (no geography values), plus Unknown (key 0)."""
    rows = [("Unknown", "N/A", "N/A", "N/A"), *CITIES]
    unknown = np.arange(len(rows)) == 0
    keys = np.arange(len(rows))
    return _versioned(
        pd.DataFrame(
            {
                "City Key": keys,
                "WWI City ID": keys * 1000 + 17,
                "City": [r[0] for r in rows],
                "State Province": [r[1] for r in rows],
                "Country": np.where(unknown, "N/A", "United States"),
                "Continent": np.where(unknown, "N/A", "North America"),
                "Sales Territory": [r[2] for r in rows],
                "Region": np.where(unknown, "N/A", "Americas"),
                "Subregion": [r[3] for r in rows],
                "Latest Recorded Population": np.where(unknown, 0, keys * 7_919 % 90_000 + 500),
            }
        ),
        3,
    )


def employees() -> pd.DataFrame:
    """``Dimension.Employee``, plus Unknown (key 0)."""
    rows = [("Unknown", False), *EMPLOYEES]
    return _versioned(
        pd.DataFrame(
            {
                "Employee Key": np.arange(len(rows)),
                "WWI Employee ID": np.arange(len(rows)),
                "Employee": [r[0] for r in rows],
                "Preferred Name": [r[0].split()[0] for r in rows],
                "Is Salesperson": [r[1] for r in rows],
            }
        ),
        4,
    )


def transaction_types() -> pd.DataFrame:
    """``Dimension."Transaction Type"`` keyed like WWI's ids, plus Unknown (key 0)."""
    names = ["N/A", *TRANSACTION_TYPES]
    return _versioned(
        pd.DataFrame(
            {
                "Transaction Type Key": np.arange(len(names)),
                "WWI Transaction Type ID": np.arange(len(names)),
                "Transaction Type": names,
            }
        ),
        5,
    )


def customers(rng: np.random.Generator, city_keys: np.ndarray) -> pd.DataFrame:
    """``Dimension.Customer``: two buying groups (head office + stores) and some independents.

    Extra model columns: ``city`` (the customer's delivery city) and ``bill_to`` (the key of
    the head office that pays, or the customer itself).
    """
    rows: list[dict[str, object]] = [
        {"Customer Key": 0, "WWI Customer ID": 0, "Customer": "Unknown",
         "Bill To Customer": "N/A", "Category": "N/A", "Buying Group": "N/A",
         "Primary Contact": "N/A", "Postal Code": "N/A", "city": 0, "bill_to": 0},
    ]  # fmt: skip
    categories = ["Novelty Shop", "Supermarket", "Gift Store", "Computer Store"]
    for group, stores in (("Tailspin Toys", 150), ("Wingtip Toys", 150), ("N/A", 60)):
        head = len(rows)
        if group != "N/A":
            rows.append(
                _customer(rng, head, f"{group} (Head Office)", group, head, city_keys, "Corporate")
            )
        for n in range(1, stores + 1):
            key = len(rows)
            city = int(rng.choice(city_keys))
            name = f"{group} (Store {n:03d})" if group != "N/A" else f"Independent Customer {n:03d}"
            category = str(rng.choice(categories))
            rows.append(
                _customer(
                    rng,
                    key,
                    name,
                    group,
                    head if group != "N/A" else key,
                    city_keys,
                    category,
                    city,
                )
            )
    frame = pd.DataFrame(rows)
    names = frame.set_index("Customer Key")["Customer"]
    frame["Bill To Customer"] = np.where(
        frame["Customer Key"] == 0, "N/A", names.loc[frame["bill_to"]].to_numpy()
    )
    return _versioned(frame, 6)  # fmt: skip


def _customer(
    rng: np.random.Generator,
    key: int,
    name: str,
    group: str,
    bill_to: int,
    city_keys: np.ndarray,
    category: str,
    city: int | None = None,
) -> dict[str, object]:
    first = str(rng.choice(["Aahlada", "Bala", "Camille", "Damodar", "Elias", "Fatima", "Gunnar"]))
    last = str(rng.choice(["Thakur", "Dwivedi", "Authier", "Sandhu", "Lowe", "Sahin", "Bjorklund"]))
    return {
        "Customer Key": key,
        "WWI Customer ID": key,
        "Customer": name,
        "Category": category,
        "Buying Group": group,
        "Primary Contact": f"{first} {last}",
        "Postal Code": f"9{int(rng.integers(0, 10_000)):04d}",
        "city": city if city is not None else int(rng.choice(city_keys)),
        "bill_to": bill_to,
    }


def table_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame`` reduced to the warehouse columns in ``names`` (drops generator model columns)."""
    return frame[[n for n in names if n in frame.columns]]
