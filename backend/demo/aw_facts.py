"""Deterministic AdventureWorksDW sales facts: internet orders, reseller orders, sales quotas.

Order dates are drawn day by day with a weight = monthly seasonality x compound yearly growth x
weekday factor, so the four years show a summer/December peak and a rising trend. Every line
obeys the warehouse's own arithmetic: ExtendedAmount = UnitPrice x OrderQuantity, SalesAmount =
ExtendedAmount - DiscountAmount, TotalProductCost = ProductStandardCost x OrderQuantity, and the
date keys are ``YYYYMMDD`` keys of ``DimDate``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demo.aw_catalog import PROMOTIONS, TERRITORIES
from demo.calendar import date_key

SEASONALITY = np.array([0.78, 0.8, 0.95, 1.05, 1.15, 1.22, 1.12, 1.05, 0.95, 0.9, 1.0, 1.3])
"""Relative demand per calendar month (January first)."""

_CURRENCY_OF = {t[0]: t[4] for t in TERRITORIES}
_FIRST_ORDER_NUMBER = 43659


def day_weights(days: pd.DatetimeIndex, yearly_growth: float, weekend: float) -> np.ndarray:
    """Probability of an order falling on each day (sums to 1)."""
    years = np.asarray((days - days[0]).days) / 365.25
    weekday = np.where(np.asarray(days.dayofweek) >= 5, weekend, 1.0)
    w = SEASONALITY[np.asarray(days.month) - 1] * yearly_growth**years * weekday
    return np.asarray(w / w.sum())


def _order_frame(
    rng: np.random.Generator,
    days: pd.DatetimeIndex,
    weights: np.ndarray,
    orders: int,
    lines_per_order: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame:
    """Order dates (sorted) and line counts; one row per order."""
    picked = np.sort(rng.choice(len(days), size=orders, p=weights))
    sizes, probs = lines_per_order
    return pd.DataFrame(
        {"day": days[picked], "lines": rng.choice(sizes, size=orders, p=probs / probs.sum())}
    )


def _explode(orders: pd.DataFrame, first_number: int) -> pd.DataFrame:
    """One row per order line with SalesOrderNumber and SalesOrderLineNumber."""
    numbers = np.arange(first_number, first_number + len(orders))
    index = np.repeat(np.arange(len(orders)), orders["lines"].to_numpy())
    lines = orders.iloc[index].reset_index(drop=True)
    lines["SalesOrderNumber"] = [f"SO{n}" for n in numbers[index]]
    lines["SalesOrderLineNumber"] = lines.groupby(index).cumcount().to_numpy() + 1
    return lines


def _money(values: np.ndarray) -> np.ndarray:
    return np.round(values, 4)


def _amounts(
    lines: pd.DataFrame, products: pd.DataFrame, price_column: str, discount_pct: np.ndarray
) -> pd.DataFrame:
    """Price, cost, discount, tax and freight columns and the date keys of order lines."""
    product = products.set_index("ProductKey").loc[lines["ProductKey"]]
    qty = lines["OrderQuantity"].to_numpy()
    unit = product[price_column].to_numpy(dtype=float)
    cost = product["StandardCost"].to_numpy(dtype=float)
    extended = _money(unit * qty)
    discount = np.round(extended * discount_pct, 4)
    sales = _money(extended - discount)
    order_day = pd.DatetimeIndex(lines["day"])
    due = order_day + pd.Timedelta(days=12)
    ship = order_day + pd.Timedelta(days=7)
    return lines.assign(
        OrderDateKey=date_key(order_day),
        DueDateKey=date_key(due),
        ShipDateKey=date_key(ship),
        RevisionNumber=1,
        UnitPrice=unit,
        ExtendedAmount=extended,
        UnitPriceDiscountPct=discount_pct,
        DiscountAmount=discount,
        ProductStandardCost=cost,
        TotalProductCost=_money(cost * qty),
        SalesAmount=sales,
        TaxAmt=_money(sales * 0.08),
        Freight=_money(sales * 0.025),
        OrderDate=order_day,
        DueDate=due,
        ShipDate=ship,
    ).drop(columns=["day", "lines"])


def internet_sales(
    rng: np.random.Generator,
    days: pd.DatetimeIndex,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    geography: pd.DataFrame,
    target_lines: int,
) -> pd.DataFrame:
    """``FactInternetSales``: 1-4 lines per order, one unit per line, list price, no discount.

    Bikes are a third of the lines (most of the revenue); accessories and clothing the rest;
    components are sold to resellers only, as in the real sample.
    """
    sizes, probs = np.array([1, 2, 3, 4]), np.array([0.5, 0.25, 0.15, 0.1])
    orders = _order_frame(
        rng, days, day_weights(days, 1.3, 1.0), round(target_lines / 1.85), (sizes, probs)
    )
    orders["CustomerKey"] = rng.choice(customers["CustomerKey"].to_numpy(), len(orders))
    territory_of_geo = geography.set_index("GeographyKey")["SalesTerritoryKey"]
    geo_of_customer = customers.set_index("CustomerKey")["GeographyKey"]
    orders["SalesTerritoryKey"] = territory_of_geo.loc[
        geo_of_customer.loc[orders["CustomerKey"]].to_numpy()
    ].to_numpy()
    lines = _explode(orders, _FIRST_ORDER_NUMBER + 1_000_000)
    category = products["ProductSubcategoryKey"].to_numpy()
    share = np.select([category <= 3, category <= 17, category <= 25], [0.33, 0.0, 0.22], 0.45)
    counts = (
        pd.Series(share)
        .groupby(np.select([category <= 3, category <= 17, category <= 25], [1, 2, 3], 4))
        .transform("size")
    )
    weights = share / counts.to_numpy()
    lines["ProductKey"] = rng.choice(
        products["ProductKey"].to_numpy(), len(lines), p=weights / weights.sum()
    )
    lines["OrderQuantity"] = 1
    lines["PromotionKey"] = 1
    lines["CurrencyKey"] = lines["SalesTerritoryKey"].map(_CURRENCY_OF)
    return _amounts(lines, products, "ListPrice", np.zeros(len(lines)))


def reseller_sales(
    rng: np.random.Generator,
    days: pd.DatetimeIndex,
    products: pd.DataFrame,
    resellers: pd.DataFrame,
    geography: pd.DataFrame,
    employees: pd.DataFrame,
    target_lines: int,
) -> pd.DataFrame:
    """``FactResellerSales``: 1-25 lines per order at the dealer price with volume discounts.

    Each reseller buys through the representative of its territory (picked once per reseller);
    representatives differ in how much their resellers order, so quota attainment varies.
    """
    sizes = np.arange(1, 26)
    probs = np.exp(-sizes / 8.0)
    mean_lines = float((sizes * probs).sum() / probs.sum())
    orders = _order_frame(
        rng, days, day_weights(days, 1.2, 0.3), round(target_lines / mean_lines), (sizes, probs)
    )
    reps = employees[employees["SalesPersonFlag"]]
    territory_of_geo = geography.set_index("GeographyKey")["SalesTerritoryKey"]
    reseller_territory = territory_of_geo.loc[resellers["GeographyKey"]].to_numpy()
    rep_strength = pd.Series(rng.uniform(0.5, 1.6, len(reps)), index=reps["EmployeeKey"].to_numpy())
    rep_of_reseller = np.array(
        [
            rng.choice(reps.loc[reps["SalesTerritoryKey"] == t, "EmployeeKey"].to_numpy())
            for t in reseller_territory
        ]
    )
    reseller_weight = rep_strength.loc[rep_of_reseller].to_numpy() * rng.uniform(
        0.2, 1.8, len(resellers)
    )
    pick = rng.choice(len(resellers), len(orders), p=reseller_weight / reseller_weight.sum())
    orders["ResellerKey"] = resellers["ResellerKey"].to_numpy()[pick]
    orders["EmployeeKey"] = rep_of_reseller[pick]
    orders["SalesTerritoryKey"] = reseller_territory[pick]
    lines = _explode(orders, _FIRST_ORDER_NUMBER)
    lines["ProductKey"] = rng.choice(products["ProductKey"].to_numpy(), len(lines))
    qty = np.where(
        rng.random(len(lines)) < 0.85,
        rng.integers(1, 7, len(lines)),
        rng.integers(7, 41, len(lines)),
    )
    lines["OrderQuantity"] = qty
    promo = np.select([qty >= 25, qty >= 15, qty >= 11], [4, 3, 2], 1)
    lines["PromotionKey"] = promo
    pct = np.array([0.0] + [p[4] for p in PROMOTIONS])[promo]
    lines["CurrencyKey"] = lines["SalesTerritoryKey"].map(_CURRENCY_OF)
    order_no = lines["SalesOrderNumber"].str[2:].astype(int).to_numpy()
    lines["CarrierTrackingNumber"] = [
        f"{n % 9000 + 1000:04X}-4{n % 997:03d}-{n % 89 + 10}" for n in order_no
    ]
    lines["CustomerPONumber"] = [f"PO{n * 7919 % 10**10:010d}" for n in order_no]
    return _amounts(lines, products, "DealerPrice", pct)


def sales_quotas(
    rng: np.random.Generator,
    reseller: pd.DataFrame,
    employees: pd.DataFrame,
    first_year: int,
    years: int,
) -> pd.DataFrame:
    """``FactSalesQuota``: one quota per representative per calendar quarter.

    A quota is the representative's actual reseller sales of that quarter times 0.85-1.25,
    rounded to whole thousands, so some representatives beat their quota and some miss it.
    """
    reps = employees.loc[employees["SalesPersonFlag"], "EmployeeKey"].to_numpy()
    quarter_start = pd.DatetimeIndex(
        [dt.datetime(first_year + y, 3 * q + 1, 1) for y in range(years) for q in range(4)]
    )
    grid = pd.MultiIndex.from_product(
        [reps, quarter_start], names=["EmployeeKey", "Date"]
    ).to_frame(index=False)
    day = pd.DatetimeIndex(reseller["OrderDate"])
    actual = (
        reseller.assign(
            Date=day.to_period("Q").to_timestamp(),
            SalesAmount=reseller["SalesAmount"].astype(float),
        )
        .groupby(["EmployeeKey", "Date"])["SalesAmount"]
        .sum()
    )
    achieved = actual.reindex(pd.MultiIndex.from_frame(grid), fill_value=0.0).to_numpy()
    quota = np.maximum(np.round(achieved * rng.uniform(0.85, 1.25, len(grid)), -3), 1000.0)
    dates = pd.DatetimeIndex(grid["Date"])
    return pd.DataFrame(
        {
            "SalesQuotaKey": np.arange(1, len(grid) + 1),
            "EmployeeKey": grid["EmployeeKey"].to_numpy(),
            "DateKey": date_key(dates),
            "CalendarYear": np.asarray(dates.year),
            "CalendarQuarter": np.asarray(dates.quarter),
            "SalesAmountQuota": quota,
            "Date": dates,
        }
    )
