"""WideWorldImportersDW sales-side facts: Fact.Sale, Fact.Order and Fact.Movement.

Sales are invoices of 1-8 lines on days drawn with seasonality and growth; orders are the
customer orders those invoices were picked from (same lines, ordered 0-2 days earlier); movements
are the stock issues of the invoiced lines plus the stock receipts of received purchase lines.
Amounts follow the warehouse: Total Excluding Tax = Quantity x Unit Price, Tax Amount = that x
Tax Rate / 100, Total Including Tax = their sum, Profit = Total Excluding Tax - Quantity x cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.aw_facts import day_weights
from demo.wwi_catalog import STOCK_ISSUE, STOCK_RECEIPT

ITEM_MODEL_COLUMNS = ["Stock Item Key", "Stock Item", "Selling Package", "Unit Price", "Tax Rate",
                      "Is Chiller Stock", "cost", "typical_quantity", "weight"]  # fmt: skip
"""Columns of the item model the sales generator draws from (``weight`` = relative demand)."""


def sales(
    rng: np.random.Generator,
    items: pd.DataFrame,
    customers: pd.DataFrame,
    salespeople: np.ndarray,
    days: pd.DatetimeIndex,
    target_lines: int,
) -> pd.DataFrame:
    """About ``target_lines`` raw sale lines in invoice-date order; ``finish_sales`` completes them
    (kept apart so the generator can plant extra lines first)."""
    sizes = np.arange(1, 9)
    probs = np.exp(-sizes / 2.5)
    probs /= probs.sum()
    invoices = max(1, round(target_lines / float((sizes * probs).sum())))
    picked = np.sort(rng.choice(len(days), size=invoices, p=day_weights(days, 1.15, 0.15)))
    lines_per = rng.choice(sizes, size=invoices, p=probs)
    idx = np.repeat(np.arange(invoices), lines_per)
    cust = customers.iloc[rng.integers(0, len(customers), invoices)]
    item_p = items["weight"].to_numpy(dtype=float)
    item = items.iloc[rng.choice(len(items), size=len(idx), p=item_p / item_p.sum())]
    typical = item["typical_quantity"].to_numpy(dtype=float)
    qty = np.maximum(1, np.round(typical * rng.lognormal(0.0, 0.45, len(idx)))).astype(np.int64)
    invoice_day = days[picked][idx]
    frame = pd.DataFrame(
        {
            "City Key": cust["city"].to_numpy()[idx],
            "Customer Key": cust["Customer Key"].to_numpy()[idx],
            "Bill To Customer Key": cust["bill_to"].to_numpy()[idx],
            "Stock Item Key": item["Stock Item Key"].to_numpy(),
            "Invoice Date Key": invoice_day,
            "Salesperson Key": rng.choice(salespeople, invoices)[idx],
            "WWI Invoice ID": idx + 1,
            "Description": item["Stock Item"].to_numpy(),
            "Package": item["Selling Package"].to_numpy(),
            "Quantity": qty,
            "Unit Price": item["Unit Price"].to_numpy(dtype=float),
            "Tax Rate": item["Tax Rate"].to_numpy(dtype=float),
            "chiller": item["Is Chiller Stock"].to_numpy(dtype=bool),
            "cost": item["cost"].to_numpy(dtype=float),
        }
    )
    return frame


def finish_sales(frame: pd.DataFrame, last_day: pd.Timestamp) -> pd.DataFrame:
    """Derive amounts, delivery date, item counts and keys from the basic line columns."""
    qty = frame["Quantity"].to_numpy()
    excl = np.round(qty * frame["Unit Price"].to_numpy(), 2)
    tax = np.round(excl * frame["Tax Rate"].to_numpy() / 100.0, 2)
    chiller = frame["chiller"].to_numpy()
    invoice_day = pd.DatetimeIndex(frame["Invoice Date Key"])
    delivery = pd.Series(invoice_day + pd.Timedelta(days=1))
    delivery = delivery.where(delivery <= last_day)
    out = frame.assign(
        **{
            "Sale Key": np.arange(1, len(frame) + 1),
            "Invoice Date Key": invoice_day.date,
            "Delivery Date Key": delivery.dt.date,
            "Total Excluding Tax": excl,
            "Tax Amount": tax,
            "Profit": np.round(excl - qty * frame["cost"].to_numpy(), 2),
            "Total Including Tax": np.round(excl + tax, 2),
            "Total Dry Items": np.where(chiller, 0, qty),
            "Total Chiller Items": np.where(chiller, qty, 0),
            "Lineage Key": 11,
        }
    )
    return out.drop(columns=["chiller", "cost"])


def orders(rng: np.random.Generator, sale: pd.DataFrame, pickers: np.ndarray) -> pd.DataFrame:
    """``Fact.Order``: the order line behind every sale line (one order per invoice)."""
    invoice_id = sale["WWI Invoice ID"].to_numpy()
    invoice_day = pd.DatetimeIndex(pd.to_datetime(sale["Invoice Date Key"]))
    lag = rng.integers(0, 3, int(invoice_id.max()) + 1)[invoice_id]
    first_day = invoice_day.min()
    order_day = pd.Series(invoice_day - pd.to_timedelta(lag, unit="D"))
    order_day = order_day.where(order_day >= first_day, first_day)
    picker = rng.choice(pickers, int(invoice_id.max()) + 1)[invoice_id]
    columns = ["City Key", "Customer Key", "Stock Item Key", "Salesperson Key", "Description",
               "Package", "Quantity", "Unit Price", "Tax Rate", "Total Excluding Tax",
               "Tax Amount", "Total Including Tax"]  # fmt: skip
    frame = sale[columns].copy()
    frame.insert(0, "Order Key", np.arange(1, len(sale) + 1))
    frame["Order Date Key"] = pd.DatetimeIndex(order_day).date
    frame["Picked Date Key"] = invoice_day.date
    frame["Picker Key"] = picker
    frame["WWI Order ID"] = invoice_id
    frame["Lineage Key"] = 12
    return frame


def movements(sale: pd.DataFrame, purchase: pd.DataFrame) -> pd.DataFrame:
    """``Fact.Movement``: a Stock Issue per sale line, a Stock Receipt per received purchase line.

    ``purchase`` must carry ``receipt_day`` (when the goods arrived) and ``received_quantity``.
    """
    issues = pd.DataFrame(
        {
            "Date Key": sale["Invoice Date Key"].to_numpy(),
            "Stock Item Key": sale["Stock Item Key"].to_numpy(),
            "Customer Key": sale["Customer Key"].to_numpy(),
            "Transaction Type Key": STOCK_ISSUE,
            "WWI Invoice ID": sale["WWI Invoice ID"].to_numpy(),
            "Quantity": -sale["Quantity"].to_numpy(),
        }
    )
    received = purchase[purchase["Received Outers"] > 0]
    receipts = pd.DataFrame(
        {
            "Date Key": pd.DatetimeIndex(received["receipt_day"]).date,
            "Stock Item Key": received["Stock Item Key"].to_numpy(),
            "Supplier Key": received["Supplier Key"].to_numpy(),
            "Transaction Type Key": STOCK_RECEIPT,
            "WWI Purchase Order ID": received["WWI Purchase Order ID"].to_numpy(),
            "Quantity": received["received_quantity"].to_numpy(),
        }
    )
    frame = pd.concat([issues, receipts], ignore_index=True)
    frame = frame.sort_values("Date Key", kind="stable", ignore_index=True)
    for column in ("Customer Key", "Supplier Key", "WWI Invoice ID", "WWI Purchase Order ID"):
        frame[column] = frame[column].astype("Int64")
    frame.insert(0, "Movement Key", np.arange(1, len(frame) + 1))
    frame["WWI Stock Item Transaction ID"] = np.arange(1, len(frame) + 1)
    frame["Lineage Key"] = 13
    return frame
