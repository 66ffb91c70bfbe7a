"""The AdventureWorks product catalogue the generator draws from: categories, subcategories and
product models with plausible list-price ranges (names as in Microsoft's sample)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subcategory:
    """One product subcategory and the models the generator makes products from."""

    key: int
    name: str
    category_key: int
    price: tuple[float, float]
    models: tuple[str, ...]
    colors: tuple[str, ...] = ("NA",)
    sizes: tuple[str, ...] = ("",)
    line: str = "S"


CATEGORIES: list[tuple[int, str, str, str]] = [
    (1, "Bikes", "Bicicleta", "Vélo"),
    (2, "Components", "Componente", "Composant"),
    (3, "Clothing", "Prenda", "Vêtements"),
    (4, "Accessories", "Accesorio", "Accessoire"),
]

_FRAME = ("38", "42", "44", "48")
_WEAR = ("S", "M", "L", "XL")

SUBCATEGORIES: list[Subcategory] = [
    Subcategory(1, "Mountain Bikes", 1, (540, 3400),
                ("Mountain-100", "Mountain-200", "Mountain-500"), ("Black", "Silver"), _FRAME, "M"),
    Subcategory(2, "Road Bikes", 1, (540, 3580),
                ("Road-150", "Road-250", "Road-650"), ("Red", "Black"), _FRAME, "R"),
    Subcategory(3, "Touring Bikes", 1, (740, 2385),
                ("Touring-1000", "Touring-3000"), ("Blue", "Yellow"), ("50", "54", "58"), "T"),
    Subcategory(4, "Handlebars", 2, (45, 120), ("HL Road Handlebars", "ML Mountain Handlebars")),
    Subcategory(5, "Bottom Brackets", 2, (54, 122), ("HL Bottom Bracket", "LL Bottom Bracket")),
    Subcategory(6, "Brakes", 2, (64, 106), ("Front Brakes", "Rear Brakes")),
    Subcategory(7, "Chains", 2, (20, 21), ("Chain",), ("Silver",)),
    Subcategory(8, "Cranksets", 2, (256, 405), ("HL Crankset", "ML Crankset"), ("Black",)),
    Subcategory(9, "Derailleurs", 2, (92, 122), ("Front Derailleur", "Rear Derailleur")),
    Subcategory(10, "Forks", 2, (148, 230), ("HL Fork", "LL Fork")),
    Subcategory(11, "Headsets", 2, (35, 125), ("HL Headset", "LL Headset")),
    Subcategory(12, "Mountain Frames", 2, (265, 1365),
                ("HL Mountain Frame", "ML Mountain Frame"), ("Black", "Silver"), _FRAME, "M"),
    Subcategory(13, "Pedals", 2, (40, 80), ("HL Road Pedal", "Touring Pedal"), ("Silver/Black",)),
    Subcategory(14, "Road Frames", 2, (180, 1430),
                ("HL Road Frame", "LL Road Frame"), ("Red", "Black"), _FRAME, "R"),
    Subcategory(15, "Saddles", 2, (28, 52), ("HL Road Seat/Saddle", "LL Mountain Seat/Saddle")),
    Subcategory(16, "Touring Frames", 2, (335, 1000),
                ("HL Touring Frame",), ("Blue", "Yellow"), ("50", "54"), "T"),
    Subcategory(17, "Wheels", 2, (60, 1120), ("HL Road Front Wheel", "ML Mountain Rear Wheel")),
    Subcategory(18, "Bib-Shorts", 3, (80, 90), ("Men's Bib-Shorts",), ("Multi",), _WEAR),
    Subcategory(19, "Caps", 3, (8, 9), ("AWC Logo Cap",), ("Multi",)),
    Subcategory(20, "Gloves", 3, (24, 50), ("Full-Finger Gloves", "Half-Finger Gloves"),
                ("Black",), _WEAR),
    Subcategory(21, "Jerseys", 3, (48, 55),
                ("Long-Sleeve Logo Jersey", "Short-Sleeve Classic Jersey"),
                ("Multi", "Yellow"), _WEAR),
    Subcategory(22, "Shorts", 3, (60, 70), ("Women's Mountain Shorts",), ("Black",), _WEAR),
    Subcategory(23, "Socks", 3, (8, 9.5), ("Mountain Bike Socks", "Racing Socks"), ("White",)),
    Subcategory(24, "Tights", 3, (70, 75), ("Women's Tights",), ("Black",), _WEAR),
    Subcategory(25, "Vests", 3, (60, 64), ("Classic Vest",), ("Blue",), _WEAR),
    Subcategory(26, "Bike Racks", 4, (115, 120), ("Hitch Rack - 4-Bike",)),
    Subcategory(27, "Bike Stands", 4, (155, 159), ("All-Purpose Bike Stand",)),
    Subcategory(28, "Bottles and Cages", 4, (5, 10), ("Water Bottle - 30 oz.", "Road Bottle Cage")),
    Subcategory(29, "Cleaners", 4, (7, 8), ("Bike Wash - Dissolver",)),
    Subcategory(30, "Fenders", 4, (20, 22), ("Fender Set - Mountain",)),
    Subcategory(31, "Helmets", 4, (33, 35), ("Sport-100 Helmet",), ("Red", "Black", "Blue")),
    Subcategory(32, "Hydration Packs", 4, (53, 55), ("Hydration Pack - 70 oz.",), ("Silver",)),
    Subcategory(33, "Lights", 4, (14, 45),
                ("Headlights - Dual-Beam", "Taillights - Battery-Powered")),
    Subcategory(34, "Locks", 4, (24, 25), ("Cable Lock",)),
    Subcategory(35, "Panniers", 4, (120, 125), ("Touring-Panniers, Large",), ("Grey",)),
    Subcategory(36, "Pumps", 4, (19, 25), ("Minipump", "Mountain Pump")),
    Subcategory(37, "Tires and Tubes", 4, (2.3, 35),
                ("Patch Kit/8 Patches", "Mountain Tire Tube", "HL Road Tire", "Touring Tire")),
]  # fmt: skip

TERRITORIES: list[tuple[int, str, str, str, int]] = [
    # key, region, country, group, currency key
    (1, "Northwest", "United States", "North America", 100),
    (2, "Northeast", "United States", "North America", 100),
    (3, "Central", "United States", "North America", 100),
    (4, "Southwest", "United States", "North America", 100),
    (5, "Southeast", "United States", "North America", 100),
    (6, "Canada", "Canada", "North America", 19),
    (7, "France", "France", "Europe", 36),
    (8, "Germany", "Germany", "Europe", 36),
    (9, "Australia", "Australia", "Pacific", 6),
    (10, "United Kingdom", "United Kingdom", "Europe", 98),
    (11, "NA", "NA", "NA", 100),
]

CURRENCIES: list[tuple[int, str, str]] = [
    (6, "AUD", "Australian Dollar"),
    (19, "CAD", "Canadian Dollar"),
    (36, "EUR", "EURO"),
    (98, "GBP", "United Kingdom Pound"),
    (100, "USD", "US Dollar"),
]

# key, name, type, category, discount, min qty, max qty
PROMOTIONS: list[tuple[int, str, str, str, float, int, int | None]] = [
    (1, "No Discount", "No Discount", "No Discount", 0.0, 0, None),
    (2, "Volume Discount 11 to 14", "Volume Discount", "Reseller", 0.02, 11, 14),
    (3, "Volume Discount 15 to 24", "Volume Discount", "Reseller", 0.05, 15, 24),
    (4, "Volume Discount 25 to 40", "Volume Discount", "Reseller", 0.10, 25, 40),
]

# city, state code, state, country code, country, postal code, territory key
CITIES: list[tuple[str, str, str, str, str, str, int]] = [
    ("Seattle", "WA", "Washington", "US", "United States", "98104", 1),
    ("Portland", "OR", "Oregon", "US", "United States", "97205", 1),
    ("Boise", "ID", "Idaho", "US", "United States", "83702", 1),
    ("New York", "NY", "New York", "US", "United States", "10007", 2),
    ("Boston", "MA", "Massachusetts", "US", "United States", "02113", 2),
    ("Chicago", "IL", "Illinois", "US", "United States", "60610", 3),
    ("Denver", "CO", "Colorado", "US", "United States", "80203", 3),
    ("Los Angeles", "CA", "California", "US", "United States", "90012", 4),
    ("San Diego", "CA", "California", "US", "United States", "92102", 4),
    ("Phoenix", "AZ", "Arizona", "US", "United States", "85004", 4),
    ("Atlanta", "GA", "Georgia", "US", "United States", "30308", 5),
    ("Miami", "FL", "Florida", "US", "United States", "33127", 5),
    ("Toronto", "ON", "Ontario", "CA", "Canada", "M4B 1V7", 6),
    ("Vancouver", "BC", "British Columbia", "CA", "Canada", "V7L 4J4", 6),
    ("Paris", "75", "Seine (Paris)", "FR", "France", "75002", 7),
    ("Lyon", "69", "Rhone", "FR", "France", "69002", 7),
    ("Berlin", "BB", "Brandenburg", "DE", "Germany", "10791", 8),
    ("Hamburg", "HH", "Hamburg", "DE", "Germany", "20354", 8),
    ("Sydney", "NSW", "New South Wales", "AU", "Australia", "2113", 9),
    ("Melbourne", "VIC", "Victoria", "AU", "Australia", "3000", 9),
    ("London", "ENG", "England", "GB", "United Kingdom", "SW8 4BG", 10),
    ("Birmingham", "ENG", "England", "GB", "United Kingdom", "B29 6SL", 10),
]

SALES_REPS: list[tuple[str, str, int]] = [
    ("Michael", "Blythe", 2), ("Linda", "Mitchell", 4), ("Jillian", "Carson", 3),
    ("Garrett", "Vargas", 6), ("Tsvi", "Reiter", 5), ("Pamela", "Ansman-Wolfe", 1),
    ("Shu", "Ito", 4), ("José", "Saraiva", 6), ("David", "Campbell", 1),
    ("Tete", "Mensa-Annan", 1), ("Lynn", "Tsoflias", 9), ("Rachel", "Valdez", 8),
    ("Jae", "Pak", 10), ("Ranjit", "Varkey Chudukatil", 7), ("Amy", "Alberts", 2),
    ("Stephen", "Jiang", 3), ("Syed", "Abbas", 5),
]  # fmt: skip
"""The 17 sales representatives (first name, last name, sales territory key)."""

FIRST_NAMES = (
    "Jon",
    "Eugene",
    "Ruben",
    "Christy",
    "Elizabeth",
    "Julio",
    "Janet",
    "Marco",
    "Rob",
    "Shannon",
    "Jacquelyn",
    "Curtis",
    "Lauren",
    "Ian",
    "Sydney",
    "Chloe",
    "Wyatt",
    "Shannon",
    "Clarence",
    "Luke",
    "Jordan",
    "Destiny",
    "Ethan",
    "Seth",
    "Russell",
    "Alejandro",
    "Harold",
    "Jessie",
    "Jill",
    "Jimmy",
    "Bethany",
    "Theresa",
    "Denise",
    "Jaime",
    "Ebony",
    "Wendy",
    "Jennifer",
    "Chloe",
    "Diana",
    "Marcus",
)
LAST_NAMES = (
    "Yang",
    "Huang",
    "Torres",
    "Zhu",
    "Johnson",
    "Ruiz",
    "Alvarez",
    "Mehta",
    "Verhoff",
    "Carlson",
    "Suarez",
    "Lu",
    "Walker",
    "Jenkins",
    "Bennett",
    "Young",
    "Hill",
    "Wang",
    "Rai",
    "Diaz",
    "Flores",
    "Martin",
    "Lopez",
    "Sanders",
    "Gonzalez",
    "Perry",
    "Hernandez",
    "Moreno",
    "Chen",
    "Patel",
    "Reed",
    "Kumar",
    "Shen",
    "Ward",
    "Liang",
    "Price",
    "Russell",
    "Murphy",
    "Cook",
    "Bell",
)
