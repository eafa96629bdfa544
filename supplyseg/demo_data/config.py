"""Constants and configuration of the demo-data generator: scales, profiles, units, defect rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

REPORTING_CURRENCY = "EUR"
FORMATS: tuple[str, ...] = ("parquet", "csv")
PATTERNS: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy")
PATTERN_SHARES: Mapping[str, float] = MappingProxyType(
    {"smooth": 0.40, "erratic": 0.20, "intermittent": 0.25, "lumpy": 0.15}
)
CHANNELS: tuple[str, ...] = ("distributor", "direct", "e-commerce", "retail")
CHANNEL_WEIGHTS: tuple[float, ...] = (0.35, 0.30, 0.15, 0.20)

# SBC classification cut-offs (Syntetos, Boylan & Croston) used by the tests and docs.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


@dataclass(frozen=True)
class Scale:
    """Target sizes of one scale."""

    name: str
    order_lines: int  # base (clean) order lines over the full 36-month history
    products: int
    customers: int


SCALES: Mapping[str, Scale] = MappingProxyType({
    "small": Scale("small", 20_000, 150, 250),
    "medium": Scale("medium", 100_000, 500, 1_000),
    "demo": Scale("demo", 1_000_000, 2_000, 5_000),
    "large": Scale("large", 10_000_000, 8_000, 20_000),
    # Sized for the thin profile (one business unit, one year): about 1M lines with many products, like the
    # real extracts the benchmark stands in for (docs/benchmarks.md).
    "extract": Scale("extract", 3_000_000, 20_000, 15_000),
})


@dataclass(frozen=True)
class BusinessUnitSpec:
    """A business unit: its calendar, currency, plants, countries and regions."""

    business_unit_id: str
    business_unit_name: str
    currency_code: str
    fiscal_calendar: str
    fiscal_year_start_month: int
    plants: tuple[str, ...]
    countries: tuple[str, ...]
    country_weights: tuple[float, ...]
    customer_share: float  # share of customers (before global-account linking)


BUSINESS_UNITS: tuple[BusinessUnitSpec, ...] = (
    BusinessUnitSpec(
        "EU01", "Supply Europe GmbH", "EUR", "gregorian", 1, ("P100", "P101", "P102"),
        ("DE", "FR", "NL", "SE", "IT", "ES", "PL", "AT", "BE", "DK", "FI"),
        (0.24, 0.14, 0.09, 0.07, 0.10, 0.10, 0.08, 0.05, 0.05, 0.04, 0.04), 0.50,
    ),
    BusinessUnitSpec(
        "US01", "Supply Americas Inc.", "USD", "445", 2, ("P103", "P104"),
        ("US", "CA", "MX"), (0.80, 0.12, 0.08), 0.30,
    ),
    BusinessUnitSpec(
        "UK01", "Supply UK Ltd", "GBP", "454", 3, ("P105",),
        ("GB", "IE"), (0.85, 0.15), 0.20,
    ),
)

# Sales regions by country; a tuple means one is picked at random.
COUNTRY_REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "DE": ("DACH",), "AT": ("DACH",), "SE": ("Nordics",), "DK": ("Nordics",), "FI": ("Nordics",),
    "NL": ("Benelux",), "BE": ("Benelux",), "FR": ("France",), "IT": ("South",), "ES": ("South",),
    "PL": ("East",), "US": ("US-East", "US-Central", "US-West"), "CA": ("Canada",), "MX": ("LATAM",),
    "GB": ("UK-North", "UK-Midlands", "UK-South"), "IE": ("Ireland",),
})

# Starting FX rate (1 unit of currency in EUR) of the gentle random walk.
FX_START: Mapping[str, float] = MappingProxyType({"EUR": 1.0, "USD": 0.92, "GBP": 1.16})


@dataclass(frozen=True)
class Profile:
    """What a profile writes: history window, units, ID style, optional files and columns."""

    name: str
    first_month: dt.date
    n_months: int
    business_units: tuple[str, ...]
    numeric_ids: bool
    with_costs: bool
    optional_files: bool


PROFILES: Mapping[str, Profile] = MappingProxyType({
    "full": Profile("full", dt.date(2023, 1, 1), 36, ("EU01", "US01", "UK01"), False, True, True),
    "thin": Profile("thin", dt.date(2025, 1, 1), 12, ("EU01",), True, False, False),
})

# Defects injected into order_lines: share of base (clean) lines.
DEFAULT_DEFECT_RATES: Mapping[str, float] = MappingProxyType({
    "duplicate": 0.01,
    "outlier": 0.001,
    "return": 0.02,
    "missing_optional": 0.02,
    "missing_required": 0.003,
    "unknown_customer": 0.002,
    "unknown_product": 0.002,
    "unparseable_date": 0.001,
})
# Defects that change a base line in place (the others add rows).
IN_PLACE_DEFECTS: tuple[str, ...] = (
    "outlier", "missing_optional", "missing_required", "unknown_customer", "unknown_product", "unparseable_date",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("requested_date", "ship_to_id", "channel")
REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "product_id", "order_date", "quantity", "unit_price")

# Random-stream identifiers: every random draw comes from
# numpy.random.default_rng([seed, STREAM[name], month]) so months are independent and reproducible.
STREAM: Mapping[str, int] = MappingProxyType({
    "units": 1, "customers": 2, "products": 3, "demand": 4, "fx": 5, "lines": 6, "defects": 7,
    "deliveries": 8, "inventory": 9, "forecasts": 10, "names": 11, "behaviour": 12, "stockouts": 13,
})


def stream_rng(seed: int, stream: str, month: int = 0) -> np.random.Generator:
    """The random generator of one named stream (and month) for a seed."""
    if stream not in STREAM:
        raise KeyError(f"unknown random stream {stream!r}")
    return np.random.default_rng([seed, STREAM[stream], month])


def resolve_defect_rates(overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Default defect rates updated with overrides; unknown names or bad values raise ValueError."""
    rates = dict(DEFAULT_DEFECT_RATES)
    for name, value in (overrides or {}).items():
        if name not in rates:
            raise ValueError(f"defect_rates: unknown defect {name!r}; known: {', '.join(rates)}")
        if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 0.2:
            raise ValueError(f"defect_rates[{name!r}]={value!r} must be a number in 0..0.2")
        rates[name] = float(value)
    in_place = sum(rates[name] for name in IN_PLACE_DEFECTS) + rates["duplicate"]
    if in_place > 0.5:
        raise ValueError(f"defect_rates: in-place defects plus duplicates add up to {in_place:.3f} > 0.5")
    return rates
