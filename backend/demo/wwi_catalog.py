"""Fixed WideWorldImporters master data for the generator: the stock-item catalogue, suppliers,
employees, cities and transaction types. Nothing here depends on the seed, so the planted cases
in ``demo.wwi_planted`` can name stock items and suppliers by key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemFamily:
    """A product line; every colour x size combination becomes one stock item."""

    name: str
    supplier_key: int
    unit_price: float
    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    selling_package: str = "Each"
    buying_package: str = "Carton"
    quantity_per_outer: int = 12
    lead_time_days: int = 7
    typical_quantity: int = 10
    chiller: bool = False
    brand: str = "N/A"


_CLOTHES = ("XS", "S", "M", "L", "XL", "XXL")
FAMILIES: list[ItemFamily] = [
    ItemFamily("USB missile launcher", 10, 25.0, ("Green", "Gray"), ("",)),
    ItemFamily("USB rocket launcher", 10, 25.0, ("Gray",), ("",)),
    ItemFamily(
        "Ride on toy sedan car",
        10,
        230.0,
        ("Black", "Red", "Blue", "Green", "Pink", "Yellow"),
        ("1/12 scale",),
        quantity_per_outer=1,
        lead_time_days=14,
        typical_quantity=3,
    ),
    ItemFamily(
        "RC toy sedan car with remote control",
        10,
        25.0,
        ("Black", "Red", "Blue", "Green", "Pink", "Yellow"),
        ("1/50 scale",),
        lead_time_days=14,
        typical_quantity=6,
    ),
    ItemFamily("Dinosaur battery-powered slippers", 4, 32.0, ("Green",), ("S", "M", "L", "XL")),
    ItemFamily(
        "Furry animal socks",
        4,
        5.0,
        ("Pink",),
        ("S", "M", "L", "XL"),
        selling_package="Pair",
        quantity_per_outer=12,
        typical_quantity=24,
    ),
    ItemFamily("Alien officer hoodie", 4, 35.0, ("Black",), _CLOTHES),
    ItemFamily("Superhero action jacket", 4, 34.0, ("Blue",), _CLOTHES),
    ItemFamily("Halloween zombie mask", 4, 18.0, ("Light Brown",), ("S", "M", "L")),
    ItemFamily(
        "The Gu red shirt XML tag t-shirt",
        4,
        18.0,
        ("Black", "White"),
        _CLOTHES,
        brand="Northwind",
        typical_quantity=36,
    ),
    ItemFamily(
        "Developer joke mug",
        1,
        13.0,
        ("Black", "White"),
        (
            "(when your gift won't fit)",
            "(a foreign cuisine)",
            "(inheritance)",
            "(that's not a bug)",
            "(there are 10 types of people)",
            "(I will fix it)",
        ),
        typical_quantity=9,
    ),
    ItemFamily(
        "DBA joke mug",
        1,
        13.0,
        ("Black", "White"),
        ("(it depends)", "(you might be a DBA)", "(mind if I join you?)", "(SELECT caffeine)"),
        typical_quantity=9,
    ),
    ItemFamily(
        "Novelty chilli chocolates",
        1,
        8.55,
        ("N/A",),
        ("250g", "500g"),
        selling_package="Packet",
        typical_quantity=24,
    ),
    ItemFamily(
        "Chocolate beetles",
        12,
        8.55,
        ("N/A",),
        ("250g",),
        selling_package="Bag",
        quantity_per_outer=24,
        typical_quantity=48,
        chiller=True,
        lead_time_days=5,
    ),
    ItemFamily(
        "Chocolate echidnas",
        12,
        8.55,
        ("N/A",),
        ("250g",),
        selling_package="Bag",
        quantity_per_outer=24,
        typical_quantity=48,
        chiller=True,
        lead_time_days=5,
    ),
    ItemFamily(
        "White chocolate snow balls",
        12,
        11.25,
        ("N/A",),
        ("250g",),
        selling_package="Bag",
        quantity_per_outer=24,
        typical_quantity=48,
        chiller=True,
        lead_time_days=5,
    ),
    ItemFamily(
        "Shipping carton",
        7,
        1.14,
        ("Brown",),
        ("229x229x229mm", "356x229x229mm", "305x305x305mm", "413x285x187mm", "457x279x279mm"),
        quantity_per_outer=25,
        typical_quantity=200,
        lead_time_days=10,
    ),
    ItemFamily(
        "Black and orange fragile despatch tape",
        7,
        3.7,
        ("Black",),
        ("48mmx75m", "48mmx100m"),
        quantity_per_outer=36,
        typical_quantity=120,
        lead_time_days=10,
    ),
    ItemFamily(
        "Clear packaging tape",
        7,
        2.9,
        ("N/A",),
        ("48mmx75m",),
        quantity_per_outer=36,
        typical_quantity=120,
        lead_time_days=10,
    ),
    ItemFamily(
        "Void fill bag",
        7,
        10.0,
        ("White",),
        ("100L", "200L", "400L"),
        quantity_per_outer=10,
        typical_quantity=60,
        lead_time_days=10,
    ),
    ItemFamily(
        "Bubblewrap dispenser bag",
        7,
        29.0,
        ("N/A",),
        ("10m", "20m", "50m"),
        quantity_per_outer=10,
        typical_quantity=30,
        lead_time_days=10,
    ),
    ItemFamily(
        "32 mm Double sided bubble wrap",
        7,
        54.0,
        ("N/A",),
        ("10m", "20m", "50m"),
        quantity_per_outer=10,
        typical_quantity=20,
        lead_time_days=10,
    ),
    ItemFamily(
        "Pack of 12 action figures",
        2,
        16.0,
        ("N/A",),
        ("(variety)", "(male)", "(female)"),
        selling_package="Packet",
        typical_quantity=18,
    ),
    ItemFamily(
        "Plush shark slippers",
        2,
        32.0,
        ("Gray",),
        ("S", "M", "L", "XL"),
        selling_package="Pair",
        typical_quantity=12,
    ),
    ItemFamily(
        "Large sized bubblewrap roll",
        7,
        35.0,
        ("N/A",),
        ("50m",),
        quantity_per_outer=10,
        typical_quantity=15,
        lead_time_days=10,
    ),
    ItemFamily("Ogre mask", 4, 18.0, ("Green",), ("S", "M", "L")),
    ItemFamily("Ghost costume", 4, 32.0, ("White",), ("S", "M", "L", "XL"), brand="Northwind"),
    ItemFamily("Tea cup", 1, 12.0, ("Red", "Blue", "White", "Black"), ("small", "large")),
    ItemFamily(
        "IT joke mug",
        1,
        13.0,
        ("Black", "White"),
        (
            "(keyboard not found)",
            "(hide and seek champion)",
            "(only 10 types)",
            "(you had me at hello world)",
        ),
        typical_quantity=9,
    ),
    ItemFamily(
        "Animal slippers",
        2,
        30.0,
        ("Brown", "Pink"),
        ("S", "M", "L", "XL"),
        selling_package="Pair",
        typical_quantity=12,
    ),
]


@dataclass(frozen=True)
class SupplierProfile:
    """A supplier and how it behaves on purchase orders (drives Fact.Purchase/Movement)."""

    key: int
    name: str
    category: str
    contact: str
    postal_code: str
    finalized_share: float = 0.97
    full_delivery_share: float = 0.95
    lead_days: tuple[int, int] = (5, 9)


SUPPLIERS: list[SupplierProfile] = [
    SupplierProfile(
        1,
        "A Datum Corporation",
        "Novelty Goods Supplier",
        "Reio Kabin",
        "46077",
        0.98,
        0.96,
        (6, 9),
    ),
    SupplierProfile(
        2, "Contoso, Ltd.", "Novelty Goods Supplier", "Hanna Mihhailov", "98253", 0.95, 0.9, (8, 12)
    ),
    SupplierProfile(
        3, "Consolidated Messenger", "Courier Services Supplier", "Kerstin Parn", "94101"
    ),
    SupplierProfile(
        4, "Fabrikam, Inc.", "Clothing Supplier", "Bill Lawson", "40351", 0.97, 0.93, (7, 11)
    ),
    SupplierProfile(5, "Graphic Design Institute", "Novelty Goods Supplier", "Penny Buck", "64847"),
    SupplierProfile(
        6, "Humongous Insurance", "Insurance Services Supplier", "Madelaine Cartier", "37770"
    ),
    SupplierProfile(
        7, "Litware, Inc.", "Packaging Supplier", "Elias Myllari", "95245", 0.99, 0.98, (4, 6)
    ),
    SupplierProfile(8, "Lucerne Publishing", "Novelty Goods Supplier", "Prem Prabhu", "37659"),
    SupplierProfile(9, "Nod Publishers", "Novelty Goods Supplier", "Marcos Costa", "27906"),
    SupplierProfile(
        10,
        "Northwind Electric Cars",
        "Toy Supplier",
        "Eliza Soderberg",
        "07860",
        0.55,
        0.45,
        (18, 60),
    ),
    SupplierProfile(11, "Trey Research", "Marketing Services Supplier", "Donald Jones", "57543"),
    SupplierProfile(
        12, "The Phone Company", "Novelty Goods Supplier", "Hai Dam", "56732", 0.96, 0.92, (3, 6)
    ),
    SupplierProfile(13, "Woodgrove Bank", "Financial Services Supplier", "Hubert Helms", "94101"),
]

EMPLOYEES: list[tuple[str, bool]] = [
    ("Kayla Woodcock", True), ("Hudson Onslow", True), ("Isabella Rupp", False),
    ("Eva Muller", False), ("Sophia Hinton", True), ("Amy Trefl", True),
    ("Anthony Grosse", True), ("Alica Fatnowna", False), ("Stella Rosenhain", False),
    ("Ethan Onslow", False), ("Henry Forlonge", False), ("Hudson Hollinworth", True),
    ("Lily Code", True), ("Taj Shand", True), ("Archer Lamble", True),
    ("Jack Potter", True), ("Piper Koch", False), ("Katie Darwin", False), ("Jai Shand", False),
]  # fmt: skip
"""(name, is salesperson) — the employees of WideWorldImporters."""

CITIES: list[tuple[str, str, str, str]] = [
    # city, state province, sales territory, subregion
    ("Sylvanite", "Montana", "Rocky Mountain", "Northern America"),
    ("Peeples Valley", "Arizona", "Southwest", "Northern America"),
    ("Medicine Lodge", "Kansas", "Plains", "Northern America"),
    ("Gasport", "New York", "Mideast", "Northern America"),
    ("Jessie", "North Dakota", "Plains", "Northern America"),
    ("Frankewing", "Tennessee", "Southeast", "Northern America"),
    ("Bow Mar", "Colorado", "Rocky Mountain", "Northern America"),
    ("Cherry Grove Beach", "South Carolina", "Southeast", "Northern America"),
    ("Teutopolis", "Illinois", "Great Lakes", "Northern America"),
    ("East Fultonham", "Ohio", "Great Lakes", "Northern America"),
    ("Wilton", "New Hampshire", "New England", "Northern America"),
    ("Sinclair", "Wyoming", "Rocky Mountain", "Northern America"),
    ("Long Beach", "California", "Far West", "Northern America"),
    ("Aceitunas", "Puerto Rico (US Territory)", "External", "Caribbean"),
    ("Tooele", "Utah", "Rocky Mountain", "Northern America"),
    ("Coney Island", "Missouri", "Plains", "Northern America"),
    ("Bazemore", "Alabama", "Southeast", "Northern America"),
    ("Lisco", "Nebraska", "Plains", "Northern America"),
    ("Kalvesta", "Kansas", "Plains", "Northern America"),
    ("Maypearl", "Texas", "Southwest", "Northern America"),
    ("Walls", "Mississippi", "Southeast", "Northern America"),
    ("Sans Souci", "South Carolina", "Southeast", "Northern America"),
    ("Eulaton", "Alabama", "Southeast", "Northern America"),
    ("Hodgdon", "Maine", "New England", "Northern America"),
    ("Seattle", "Washington", "Far West", "Northern America"),
    ("Portland", "Oregon", "Far West", "Northern America"),
    ("Baltimore", "Maryland", "Mideast", "Northern America"),
    ("Akhiok", "Alaska", "Far West", "Northern America"),
    ("Lake Ronkonkoma", "New York", "Mideast", "Northern America"),
    ("Raton", "New Mexico", "Southwest", "Northern America"),
]

TRANSACTION_TYPES: list[str] = [
    "Customer Invoice", "Customer Credit Note", "Customer Payment Received", "Customer Refund",
    "Supplier Invoice", "Supplier Credit Note", "Supplier Payment Issued", "Supplier Refund",
    "Stock Transfer", "Stock Issue", "Stock Receipt", "Stock Adjustment at Stocktake",
    "Customer Contra",
]  # fmt: skip
"""Transaction types by WWI id (1-based); movements use Stock Issue (10) and Stock Receipt (11)."""

STOCK_ISSUE = 10
STOCK_RECEIPT = 11
