"""Supply side of the generated WideWorldImportersDW: Fact.Purchase, Fact."Stock Holding", and
the planted cases of ``demo.wwi_planted`` (below-reorder items, the demand spike).

Each goods supplier places a purchase order every week; each of its items joins a given order
with probability 0.3 for about 3.3 weeks of that item's demand. How much of an order arrives, how
often it is finalised and how long it takes come from the supplier's ``SupplierProfile``; lines
that would arrive after the last day of data are still open (nothing received, not finalised).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo import wwi_planted
from demo.wwi_catalog import SUPPLIERS

SPIKE_FACTOR = 12.0
"""Planted last-week quantity of the spike item over its trailing weekly average."""


def purchases(
    rng: np.random.Generator, items: pd.DataFrame, sale: pd.DataFrame, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """``Fact.Purchase`` rows plus ``receipt_day`` and ``received_quantity`` for the movements."""
    weekly = _daily_demand(items, sale, len(days)) * 7
    weeks = days[days.dayofweek == 0]
    model = items.set_index("Stock Item Key")
    keys = model.index.to_numpy()
    grid_week = np.repeat(np.arange(len(weeks)), len(keys))
    grid_item = np.tile(keys, len(weeks))
    take = rng.random(len(grid_item)) < 0.3
    grid_week, grid_item = grid_week[take], grid_item[take]
    qpo = model.loc[grid_item, "Quantity Per Outer"].to_numpy()
    demand = weekly.reindex(grid_item).fillna(0).to_numpy() * 3.3
    outers = np.maximum(1, np.ceil(demand * rng.uniform(0.8, 1.2, len(grid_item)) / qpo)).astype(
        int
    )
    supplier = model.loc[grid_item, "supplier"].to_numpy()
    profile = {s.key: s for s in SUPPLIERS}
    finalized_share = np.array([profile[s].finalized_share for s in supplier])
    full_share = np.array([profile[s].full_delivery_share for s in supplier])
    low = np.array([profile[s].lead_days[0] for s in supplier])
    high = np.array([profile[s].lead_days[1] for s in supplier])
    lead = rng.integers(low, high + 1)
    order_day = weeks[grid_week]
    receipt_day = order_day + pd.to_timedelta(lead, unit="D")
    finalized = rng.random(len(outers)) < finalized_share
    full = rng.random(len(outers)) < full_share
    partial = np.floor(
        outers
        * np.where(
            finalized, rng.uniform(0.3, 0.9, len(outers)), rng.uniform(0.0, 0.8, len(outers))
        )
    )
    received = np.where(finalized & full, outers, partial).astype(int)
    open_line = receipt_day > days[-1]
    received[open_line] = 0
    finalized[open_line] = False
    po_id = grid_week * 100 + supplier  # one purchase order per supplier and week
    po_numbers = {v: n + 1 for n, v in enumerate(np.unique(po_id))}
    frame = pd.DataFrame(
        {
            "Purchase Key": np.arange(1, len(outers) + 1),
            "Date Key": order_day.date,
            "Supplier Key": supplier,
            "Stock Item Key": grid_item,
            "WWI Purchase Order ID": [po_numbers[v] for v in po_id],
            "Ordered Outers": outers,
            "Ordered Quantity": outers * qpo,
            "Received Outers": received,
            "Package": model.loc[grid_item, "Buying Package"].to_numpy(),
            "Is Order Finalized": finalized,
            "Lineage Key": 9,
            "receipt_day": receipt_day,
            "received_quantity": received * qpo,
        }
    )  # fmt: skip
    return frame


def _daily_demand(items: pd.DataFrame, sale: pd.DataFrame, n_days: int) -> pd.Series:
    total = sale.groupby("Stock Item Key")["Quantity"].sum()
    return (total.reindex(items["Stock Item Key"]).fillna(0) / n_days).rename("demand")


def stock_holdings(
    rng: np.random.Generator, items: pd.DataFrame, sale: pd.DataFrame, n_days: int
) -> pd.DataFrame:
    """``Fact."Stock Holding"``: one row per stock item.

    Reorder level covers lead time plus a week of demand, the target a further 30 days, both in
    whole outers; every item holds 1.3-3 x its reorder level except the planted
    ``wwi_planted.BELOW_REORDER`` items, whose values are the documented constants.
    """
    model = items.set_index("Stock Item Key")
    daily = _daily_demand(items, sale, n_days).to_numpy()
    qpo = model["Quantity Per Outer"].to_numpy()
    lead = model["Lead Time Days"].to_numpy()
    reorder = np.maximum(qpo, np.ceil(daily * (lead + 7) / qpo) * qpo).astype(int)
    target = (reorder + np.ceil(daily * 30 / qpo) * qpo).astype(int)
    on_hand = np.ceil(reorder * rng.uniform(1.3, 3.0, len(items))).astype(int)
    frame = pd.DataFrame(
        {
            "Stock Item Key": model.index.to_numpy(),
            "Quantity On Hand": on_hand,
            "Bin Location": [f"L-{k % 7 + 1}" for k in model.index],
            "Reorder Level": reorder,
            "Target Stock Level": target,
            "Last Cost Price": model["cost"].to_numpy(),
        }
    )
    for case in wwi_planted.BELOW_REORDER:
        row = frame["Stock Item Key"] == case.stock_item_key
        frame.loc[row, "Quantity On Hand"] = case.quantity_on_hand
        frame.loc[row, "Reorder Level"] = case.reorder_level
        frame.loc[row, "Target Stock Level"] = case.target_stock_level
    stocktake = frame["Quantity On Hand"] + rng.integers(0, 20, len(frame))
    frame["Last Stocktake Quantity"] = stocktake
    frame.insert(0, "Stock Holding Key", np.arange(1, len(frame) + 1))
    frame["Lineage Key"] = 10
    return frame


def plant_spike(
    rng: np.random.Generator, lines: pd.DataFrame, customers: pd.DataFrame
) -> pd.DataFrame:
    """Append invoices of ``SPIKE_STOCK_ITEM_KEY`` in the last 7 days so that its quantity there
    is ``SPIKE_FACTOR`` x its trailing weekly average (see ``wwi_planted``).

    ``lines`` are raw sale lines (before ``wwi_facts.finish_sales``).
    """
    key = wwi_planted.SPIKE_STOCK_ITEM_KEY
    day = pd.DatetimeIndex(lines["Invoice Date Key"])
    last = day.max()
    window_start = last - pd.Timedelta(days=wwi_planted.SPIKE_WINDOW_DAYS - 1)
    base_start = window_start - pd.Timedelta(days=wwi_planted.SPIKE_BASELINE_DAYS)
    mine = lines["Stock Item Key"] == key
    baseline = lines.loc[mine & (day >= base_start) & (day < window_start), "Quantity"].sum()
    weekly = max(float(baseline) / (wwi_planted.SPIKE_BASELINE_DAYS / 7), 24.0)
    current = lines.loc[mine & (day >= window_start), "Quantity"].sum()
    extra = int(np.ceil(SPIKE_FACTOR * weekly - current))
    template = lines.loc[mine].iloc[-1]
    n = max(1, int(np.ceil(extra / 96)))
    qty = np.full(n, extra // n)
    qty[: extra - qty.sum()] += 1
    cust = customers.iloc[rng.integers(0, len(customers), n)]
    spike_days = window_start + pd.to_timedelta(
        rng.integers(0, wwi_planted.SPIKE_WINDOW_DAYS, n), unit="D"
    )
    added = pd.DataFrame([template] * n).reset_index(drop=True)
    added["Invoice Date Key"] = spike_days
    added["Quantity"] = qty
    added["City Key"] = cust["city"].to_numpy()
    added["Customer Key"] = cust["Customer Key"].to_numpy()
    added["Bill To Customer Key"] = cust["bill_to"].to_numpy()
    added["WWI Invoice ID"] = lines["WWI Invoice ID"].max() + 1 + np.arange(n)
    return pd.concat([lines, added], ignore_index=True)  # fmt: skip
