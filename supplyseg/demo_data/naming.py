"""Fake but plausible names, e-mail addresses and ID formats for the demo data."""

from __future__ import annotations

import unicodedata

import numpy as np

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("Anna", "Lukas", "Julia", "Felix", "Katrin", "Jonas", "Sabine", "Matthias", "Lena", "Jürgen",
           "Monika", "Stefan", "Sophie", "Tobias", "Ute"),
    "nordic": ("Anna", "Erik", "Ingrid", "Lars", "Karin", "Johan", "Sofia", "Mikael", "Elin", "Henrik",
               "Maja", "Anders", "Sanna", "Jukka", "Freja"),
    "fr": ("Camille", "Louis", "Chloé", "Hugo", "Manon", "Julien", "Léa", "Nicolas", "Claire", "Mathieu"),
    "nl": ("Sanne", "Daan", "Lotte", "Bram", "Eva", "Thijs", "Femke", "Ruben", "Ilse", "Joris"),
    "south": ("Giulia", "Marco", "Chiara", "Luca", "Francesca", "Alessandro", "Lucía", "Javier", "Marta",
              "Pablo", "Carmen", "Diego"),
    "pl": ("Anna", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Marek", "Magdalena", "Paweł"),
    "en": ("Emily", "James", "Olivia", "Michael", "Sarah", "David", "Jessica", "Robert", "Laura", "Daniel",
           "Hannah", "Thomas", "Megan", "Christopher", "Aoife", "Liam", "Siobhan", "Connor"),
    "mx": ("María", "José", "Guadalupe", "Juan", "Fernanda", "Carlos", "Valeria", "Luis"),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
           "Koch", "Richter", "Wolf", "Neumann", "Braun"),
    "nordic": ("Berg", "Lindqvist", "Johansson", "Nielsen", "Andersson", "Virtanen", "Hansen", "Lund",
               "Karlsson", "Korhonen", "Holm", "Nyström"),
    "fr": ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Roux", "Fontaine"),
    "nl": ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Peeters", "Mertens", "de Jong", "Janssens"),
    "south": ("Rossi", "Russo", "Ferrari", "Esposito", "Romano", "García", "Martínez", "López", "Sánchez",
              "Fernández", "Colombo", "Ruiz"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
    "en": ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Miller", "Clarke",
           "Walker", "Murphy", "O'Brien", "Kelly", "Anderson", "Thompson", "Hughes"),
    "mx": ("Hernández", "González", "Rodríguez", "Pérez", "Ramírez", "Flores", "Torres", "Morales"),
}
COUNTRY_LANGUAGE: dict[str, str] = {
    "DE": "de", "AT": "de", "SE": "nordic", "DK": "nordic", "FI": "nordic", "FR": "fr", "NL": "nl",
    "BE": "nl", "IT": "south", "ES": "south", "PL": "pl", "US": "en", "CA": "en", "GB": "en", "IE": "en",
    "MX": "mx",
}
LEGAL_SUFFIX: dict[str, str] = {
    "DE": "GmbH", "AT": "GmbH", "SE": "AB", "DK": "A/S", "FI": "Oy", "FR": "SAS", "NL": "B.V.",
    "BE": "NV", "IT": "S.p.A.", "ES": "S.L.", "PL": "Sp. z o.o.", "US": "Inc.", "CA": "Ltd.",
    "MX": "S.A. de C.V.", "GB": "Ltd", "IE": "Ltd",
}
NAME_STEMS: tuple[str, ...] = (
    "Nord", "Alpen", "Rhein", "Baltic", "Atlas", "Vector", "Summit", "Pioneer", "Crown", "Delta", "Orion",
    "Falcon", "Granite", "Harbor", "Iron", "Juniper", "Keystone", "Liberty", "Meridian", "Nova", "Oak",
    "Polar", "Quantum", "River", "Silver", "Titan", "Unity", "Vertex", "West", "Zenith", "Aurora", "Beacon",
    "Cedar", "Danube", "Elbe", "Fjord", "Glacier", "Highland", "Isar", "Lakeside", "Main", "Nordic",
    "Oder", "Pacific", "Ridge", "Sterling", "Thames", "Upland", "Valley", "Weser",
)
NAME_MIDDLES: tuple[str, ...] = (
    "Tech", "Werk", "Line", "Tools", "Supply", "Parts", "Logistics", "Industrial", "Machines", "Components",
    "Hydraulics", "Electric", "Systems", "Engineering", "Automation", "Fluid", "Motion", "Power", "Metal",
    "Trade", "Service", "Build", "Agri", "Marine", "Energy", "Process", "Fleet", "Plant", "Equipment",
    "Solutions",
)
NAME_TAILS: tuple[str, ...] = (
    "", "Group", "Holding", "International", "& Co", "Partners", "Trading", "Distribution", "Industries",
    "Works", "Direct", "Services", "Technologies", "Supply Co", "Components", "Brothers",
)
PRODUCT_FAMILIES: dict[str, tuple[str, ...]] = {
    "Pumps": ("Centrifugal Pump", "Gear Pump", "Dosing Pump", "Submersible Pump"),
    "Valves": ("Ball Valve", "Check Valve", "Gate Valve", "Solenoid Valve"),
    "Bearings": ("Ball Bearing", "Roller Bearing", "Thrust Bearing", "Pillow Block"),
    "Filters": ("Oil Filter", "Air Filter", "Hydraulic Filter", "Filter Cartridge"),
    "Seals": ("O-Ring Kit", "Shaft Seal", "Gasket Set", "Lip Seal"),
    "Motors": ("AC Motor", "Servo Motor", "Gear Motor", "Stepper Motor"),
    "Sensors": ("Pressure Sensor", "Flow Sensor", "Proximity Sensor", "Temperature Probe"),
    "Fasteners": ("Hex Bolt Set", "Anchor Bolt", "Lock Nut Pack", "Threaded Rod"),
    "Hoses": ("Hydraulic Hose", "Air Hose", "Hose Coupling", "Hose Clamp Set"),
    "Lubricants": ("Gear Oil", "Bearing Grease", "Hydraulic Oil", "Chain Lube"),
}
FAMILY_UOM: dict[str, tuple[str, ...]] = {
    "Pumps": ("EA",), "Valves": ("EA",), "Bearings": ("EA", "SET"), "Filters": ("EA", "BOX"),
    "Seals": ("SET", "BOX"), "Motors": ("EA",), "Sensors": ("EA",), "Fasteners": ("BOX", "KG"),
    "Hoses": ("M", "EA"), "Lubricants": ("L", "KG"),
}
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")
LOGISTICS_UNITS: dict[str, tuple[str, ...]] = {
    "EU01": ("DC-Hamburg", "DC-Venlo", "DC-Lyon", "DC-Milano"),
    "US01": ("DC-Chicago", "DC-Atlanta", "DC-Reno"),
    "UK01": ("DC-Daventry", "DC-Dublin"),
}


def ascii_fold(text: str) -> str:
    """Strip accents and anything not a-z, 0-9 or '.', lower-cased (for e-mail local parts)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch for ch in folded.replace(" ", "") if ch.isalnum() or ch == ".")


def person_names(rng: np.random.Generator, countries: np.ndarray) -> tuple[list[str], list[str]]:
    """Contact names and e-mail addresses matching each country's language."""
    names: list[str] = []
    emails: list[str] = []
    domains = rng.integers(0, len(EMAIL_DOMAINS), size=len(countries))
    picks = rng.random((len(countries), 2))
    for i, country in enumerate(countries):
        language = COUNTRY_LANGUAGE[str(country)]
        first_pool, last_pool = FIRST_NAMES[language], LAST_NAMES[language]
        first = first_pool[int(picks[i, 0] * len(first_pool))]
        last = last_pool[int(picks[i, 1] * len(last_pool))]
        names.append(f"{first} {last}")
        emails.append(f"{ascii_fold(first)}.{ascii_fold(last).replace(chr(39), '')}@{EMAIL_DOMAINS[domains[i]]}")
    return names, emails


def company_base_names(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct company base names (without legal suffix)."""
    total = len(NAME_STEMS) * len(NAME_MIDDLES) * len(NAME_TAILS)
    if count > total:
        raise ValueError(f"company_base_names: {count} names requested, only {total} combinations exist")
    codes = rng.choice(total, size=count, replace=False)
    names = []
    for code in codes.tolist():
        stem, rest = divmod(code, len(NAME_MIDDLES) * len(NAME_TAILS))
        middle, tail = divmod(rest, len(NAME_TAILS))
        name = f"{NAME_STEMS[stem]}{NAME_MIDDLES[middle].lower()}"
        names.append(f"{name} {NAME_TAILS[tail]}".strip())
    return names


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """IDs like prefix + zero-padded number, as a numpy object array."""
    return np.array([f"{prefix}{int(n):0{width}d}" for n in numbers.tolist()], dtype=object)


def customer_id_style(business_unit_id: str, numeric: bool) -> tuple[str, int, int]:
    """(prefix, zero-pad width, first number) of customer IDs of a unit."""
    if numeric or business_unit_id == "EU01":
        return "", 7, 1000
    if business_unit_id == "US01":
        return "C-", 5, 10001
    return "UK", 4, 1001


def order_id_style(business_unit_id: str, numeric: bool, is_return: bool) -> tuple[str, int, int]:
    """(prefix, width, first number) of sales-order IDs (returns use their own number range)."""
    if numeric or business_unit_id == "EU01":
        return "", 10, (9_000_000_001 if is_return else 100_001)
    if business_unit_id == "US01":
        return ("RT-" if is_return else "SO-"), 7, 1
    return ("UKRT" if is_return else "UKSO"), 6, 1


def product_id_style(numeric: bool) -> tuple[str, int, int]:
    """(prefix, width, first number) of product IDs."""
    return ("", 6, 100) if numeric else ("SKU-", 6, 100100)


def ship_to_id_style(business_unit_id: str, numeric: bool) -> tuple[str, int, int]:
    """(prefix, width, first number) of ship-to IDs."""
    if numeric:
        return "", 8, 500000
    return f"ST-{business_unit_id}-", 6, 1
