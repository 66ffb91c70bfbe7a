"""Cases planted in the generated WideWorldImportersDW warehouse for the analytics tests.

They hold for every seed and every scale of ``python -m demo build`` WITHOUT ``--wwi-data-dir``
(with real files, Fact."Stock Holding" and Fact.Purchase are Microsoft's, so nothing is planted
there). Keys are ``Dimension."Stock Item"`` / ``Dimension.Supplier`` keys of the generated
warehouse; ``tests/backend/test_demo_data.py`` checks each claim with SQL against the file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BelowReorder:
    """A stock item whose ``[Quantity On Hand]`` is below its ``[Reorder Level]``."""

    stock_item_key: int
    stock_item: str
    quantity_on_hand: int
    reorder_level: int
    target_stock_level: int
    quantity_per_outer: int
    lead_time_days: int


BELOW_REORDER: tuple[BelowReorder, ...] = (
    BelowReorder(5, "Ride on toy sedan car (Red) 1/12 scale", 2, 12, 60, 1, 14),
    BelowReorder(41, "The Gu red shirt XML tag t-shirt (Black) M", 96, 432, 2160, 12, 7),
    BelowReorder(77, "Shipping carton (Brown) 356x229x229mm", 0, 1500, 7500, 25, 10),
    BelowReorder(110, "Tea cup (Blue) small", 48, 60, 300, 12, 7),
)
"""Exactly these stock items are below their reorder level in Fact."Stock Holding"; every other
item holds at least 1.3 x its reorder level. Item 5 is out of stock nearly (2 on hand) and is
supplied by the unreliable supplier; item 77 is out of stock (0 on hand); item 110 is only just
below (48 < 60). Suggested order to reach target: ``ceil((target - on_hand) / quantity_per_outer)``
outers."""

UNRELIABLE_SUPPLIER_KEY = 10
UNRELIABLE_SUPPLIER = "Northwind Electric Cars"
"""The one clearly unreliable supplier (it supplies the toy cars and USB launchers)."""

UNRELIABLE_MAX_FILL_RATE = 0.75
"""Its fill rate ``SUM([Received Outers]) / SUM([Ordered Outers])`` over Fact.Purchase is below
this; every other supplier's is above ``RELIABLE_MIN_FILL_RATE``."""

RELIABLE_MIN_FILL_RATE = 0.85

UNRELIABLE_MAX_FINALIZED_SHARE = 0.7
"""Share of its Fact.Purchase lines with ``[Is Order Finalized]`` true is below this; every other
supplier's share is above ``RELIABLE_MIN_FINALIZED_SHARE``."""

RELIABLE_MIN_FINALIZED_SHARE = 0.85

UNRELIABLE_LEAD_DAYS = (18, 60)
"""Lead time of a purchase line = ``[Date Key]`` of its Stock Receipt in Fact.Movement (same
``[WWI Purchase Order ID]`` and ``[Stock Item Key]``, Transaction Type "Stock Receipt") minus the
Fact.Purchase ``[Date Key]``. The unreliable supplier's lead times spread over this whole range
(mean above 30 days, standard deviation above 8); every other supplier's lie within
``RELIABLE_LEAD_DAYS`` (standard deviation below 3)."""

RELIABLE_LEAD_DAYS = (3, 12)

SPIKE_STOCK_ITEM_KEY = 73
SPIKE_STOCK_ITEM = "Chocolate beetles 250g"
"""The demand spike: this item's Fact.Sale ``SUM([Quantity])`` over the last 7 days of data
(``[Invoice Date Key]`` > latest invoice date - 7 days) is at least ``SPIKE_MIN_RATIO`` times its
trailing weekly average, i.e. its quantity over the 84 days before those 7, divided by 12.
Ordinary items reach such ratios only by chance at tiny scales (a handful of lines per week); at
the default test scale no other item comes near it."""

SPIKE_MIN_RATIO = 10.0
SPIKE_WINDOW_DAYS = 7
SPIKE_BASELINE_DAYS = 84
