"""Master data: business units, customers (ERP), CRM global accounts, ship-tos (WMS) and products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from . import naming
from .config import (
    BUSINESS_UNITS, CHANNEL_WEIGHTS, CHANNELS, COUNTRY_REGIONS, PATTERN_SHARES, PATTERNS, BusinessUnitSpec,
    Profile, Scale,
)
from .timeline import Timeline

CUSTOMER_WEIGHT_SIGMA = 1.5  # lognormal sigma of the global-account size
CUSTOMER_UNIT_SIGMA = 0.3  # lognormal sigma of a unit's share of its global account
BU_SPAN_PROBS = (0.85, 0.11, 0.04)  # global accounts present in 1, 2 or 3 units
LATE_SHARE = 0.07  # customers / products that start after the first third of the history
EARLY_STOP_SHARE = 0.07  # customers / products that stop before the end
CRM_REGION_CONFLICT_SHARE = 0.05
SHIP_TO_COUNT_PROBS = (0.45, 0.30, 0.15, 0.10)
SHIP_TO_PARENT_CONFLICT_SHARE = 0.03
LOSS_MAKING_SHARE = 0.03
SERVICE_CLAUSE_SHARE = 0.05
PRICE_CLAUSE_SHARE = 0.08  # customers whose contract fixes their prices (full profile only)


@dataclass(frozen=True)
class Units:
    """The business units of a profile and their plants."""

    specs: tuple[BusinessUnitSpec, ...]
    plant_ids: np.ndarray  # object, all plants of all units
    plant_unit: np.ndarray  # unit index of each plant
    plant_start: np.ndarray  # index of a unit's first plant in plant_ids
    plant_count: np.ndarray  # number of plants of a unit

    @property
    def ids(self) -> np.ndarray:
        """Business-unit IDs (object array)."""
        return np.array([s.business_unit_id for s in self.specs], dtype=object)

    @property
    def currencies(self) -> np.ndarray:
        """Currency code of each unit (object array)."""
        return np.array([s.currency_code for s in self.specs], dtype=object)


@dataclass(frozen=True)
class Customers:
    """ERP customers (one per unit and global account) with their CRM and behaviour attributes."""

    unit: np.ndarray
    customer_id: np.ndarray
    number: np.ndarray
    name: np.ndarray
    country: np.ndarray
    region_erp: np.ndarray
    region_crm: np.ndarray
    created_date: np.ndarray
    contact_name: np.ndarray
    contact_email: np.ndarray
    account: np.ndarray  # index into account arrays
    weight: np.ndarray
    first_month: np.ndarray
    last_month: np.ndarray
    main_channel: np.ndarray
    discount: np.ndarray
    ship_to_start: np.ndarray
    ship_to_count: np.ndarray
    account_id: np.ndarray  # per global account
    account_name: np.ndarray  # per global account
    account_is_key: np.ndarray  # per global account
    has_price_clause: np.ndarray  # contract fixes the customer's prices

    def __len__(self) -> int:
        return len(self.customer_id)


@dataclass(frozen=True)
class ShipTos:
    """WMS ship-to addresses; ``wms_customer`` differs from ``erp_customer`` for parent conflicts."""

    unit: np.ndarray
    ship_to_id: np.ndarray
    erp_customer: np.ndarray
    wms_customer: np.ndarray
    logistics_unit: np.ndarray
    country: np.ndarray

    def __len__(self) -> int:
        return len(self.ship_to_id)


@dataclass(frozen=True)
class Products:
    """Global products with their demand pattern, lifecycle and price attributes."""

    product_id: np.ndarray
    number: np.ndarray
    name: np.ndarray
    family: np.ndarray
    unit_of_measure: np.ndarray
    standard_cost: np.ndarray
    list_price: np.ndarray  # EUR
    lead_time_days: np.ndarray
    has_service_clause: np.ndarray
    is_loss_making: np.ndarray
    pattern: np.ndarray  # object, one of PATTERNS
    first_month: np.ndarray
    last_month: np.ndarray
    popularity: np.ndarray
    line_quantity: np.ndarray
    unit_weight_kg: np.ndarray
    plant_preference: np.ndarray
    season_amplitude: np.ndarray
    season_phase: np.ndarray
    trend: np.ndarray
    forecast_bias: np.ndarray

    def __len__(self) -> int:
        return len(self.product_id)


def build_units(profile: Profile) -> Units:
    """The profile's business units and their plants."""
    specs = tuple(s for s in BUSINESS_UNITS if s.business_unit_id in profile.business_units)
    plants = [p for s in specs for p in s.plants]
    counts = np.array([len(s.plants) for s in specs], dtype=np.int64)
    starts = np.cumsum(counts) - counts
    plant_unit = np.repeat(np.arange(len(specs)), counts)
    return Units(specs, np.array(plants, dtype=object), plant_unit, starts, counts)


def _lifecycle(rng: np.random.Generator, count: int, n_months: int,
               late_range: tuple[int, int], stop_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """First and last active month: ~7% start late, ~7% stop early (disjoint), the rest span the history."""
    first = np.zeros(count, dtype=np.int64)
    last = np.full(count, n_months - 1, dtype=np.int64)
    n_late = int(round(LATE_SHARE * count))
    n_stop = int(round(EARLY_STOP_SHARE * count))
    chosen = rng.permutation(count)
    late, stop = chosen[:n_late], chosen[n_late:n_late + n_stop]
    first[late] = rng.integers(late_range[0], late_range[1] + 1, size=n_late)
    last[stop] = rng.integers(stop_range[0], stop_range[1] + 1, size=n_stop)
    return first, last


def _spread_numbers(rng: np.random.Generator, count: int, first: int) -> np.ndarray:
    """Increasing ID numbers starting at ``first`` with small random gaps (like real master data)."""
    return first + np.cumsum(rng.integers(1, 4, size=count)) - 1


def stratified_lognormal(rng: np.random.Generator, count: int, sigma: float) -> np.ndarray:
    """Lognormal sizes at evenly spaced quantiles, in random order.

    Keeps the size distribution (and so revenue concentration) stable from seed to seed,
    which plain lognormal draws do not for a few hundred customers.
    """
    normal = NormalDist()
    quantiles = np.array([normal.inv_cdf((i + 0.5) / count) for i in range(count)])
    return np.exp(sigma * quantiles)[rng.permutation(count)]


def _assign_units(rng: np.random.Generator, n_accounts: int, units: Units) -> tuple[np.ndarray, np.ndarray]:
    """(account index, unit index) of every customer: each account lives in 1-3 units."""
    n_units = len(units.specs)
    probs = np.asarray(BU_SPAN_PROBS[:n_units], dtype=float)
    spans = rng.choice(np.arange(1, n_units + 1), size=n_accounts, p=probs / probs.sum())
    share = np.array([s.customer_share for s in units.specs])
    share = share / share.sum()
    accounts, unit_idx = [], []
    keys = rng.random((n_accounts, n_units))
    for account, span in enumerate(spans.tolist()):
        # Weighted sampling without replacement (Efraimidis-Spirakis keys).
        order = np.argsort(-keys[account] ** (1.0 / share))[:span]
        for unit in sorted(order.tolist()):
            accounts.append(account)
            unit_idx.append(unit)
    return np.array(accounts, dtype=np.int64), np.array(unit_idx, dtype=np.int64)


def _regions(rng: np.random.Generator, countries: np.ndarray) -> np.ndarray:
    """ERP sales region of each customer from its country."""
    out = np.empty(len(countries), dtype=object)
    picks = rng.random(len(countries))
    for i, country in enumerate(countries.tolist()):
        options = COUNTRY_REGIONS[country]
        out[i] = options[int(picks[i] * len(options))]
    return out


def _crm_regions(rng: np.random.Generator, unit: np.ndarray, region_erp: np.ndarray, units: Units) -> np.ndarray:
    """CRM's region: equal to ERP's except for ~5% of customers, where it is another region of the unit."""
    crm = region_erp.copy()
    conflicts = rng.permutation(len(crm))[: int(round(CRM_REGION_CONFLICT_SHARE * len(crm)))]
    for i in np.sort(conflicts).tolist():
        spec = units.specs[unit[i]]
        options = sorted({r for c in spec.countries for r in COUNTRY_REGIONS[c]} - {region_erp[i]})
        crm[i] = options[int(rng.integers(0, len(options)))]
    return crm


def _created_dates(rng: np.random.Generator, first_month: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Creation date: years before the history, or shortly before a late customer's first month."""
    out = np.empty(len(first_month), dtype=object)
    history_start = timeline.first_month
    old_span = (history_start - dt.date(2008, 1, 1)).days - 30
    offsets = rng.integers(0, old_span, size=len(first_month))
    lead = rng.integers(1, 60, size=len(first_month))
    for i, month in enumerate(first_month.tolist()):
        if month == 0:
            out[i] = (dt.date(2008, 1, 1) + dt.timedelta(days=int(offsets[i]))).isoformat()
        else:
            out[i] = (timeline.month_start(month) - dt.timedelta(days=int(lead[i]))).isoformat()
    return out


def build_customers(rng: np.random.Generator, scale: Scale, profile: Profile, units: Units,
                    timeline: Timeline) -> Customers:
    """Customers of all units, tied across units only by their global account."""
    n_units = len(units.specs)
    probs = np.asarray(BU_SPAN_PROBS[:n_units], dtype=float)
    mean_span = float(np.dot(np.arange(1, n_units + 1), probs / probs.sum()))
    n_accounts = max(1, int(round(scale.customers / mean_span)))
    account, unit = _assign_units(rng, n_accounts, units)
    order = np.lexsort((account, unit))
    account, unit = account[order], unit[order]
    n = len(account)

    base_names = naming.company_base_names(rng, n_accounts)
    account_weight = stratified_lognormal(rng, n_accounts, CUSTOMER_WEIGHT_SIGMA)
    is_key = account_weight >= np.quantile(account_weight, 0.9)
    account_id = naming.format_ids("GA-", np.arange(1, n_accounts + 1), 6)

    country = np.empty(n, dtype=object)
    number = np.empty(n, dtype=np.int64)
    customer_id = np.empty(n, dtype=object)
    for u, spec in enumerate(units.specs):
        members = np.flatnonzero(unit == u)
        weights = np.asarray(spec.country_weights) / sum(spec.country_weights)
        country[members] = rng.choice(np.array(spec.countries, dtype=object), size=len(members), p=weights)
        prefix, width, first = naming.customer_id_style(spec.business_unit_id, profile.numeric_ids)
        number[members] = _spread_numbers(rng, len(members), first)
        customer_id[members] = naming.format_ids(prefix, number[members], width)
    name = np.array([f"{base_names[a]} {naming.LEGAL_SUFFIX[c]}" for a, c in zip(account.tolist(), country.tolist())],
                    dtype=object)
    region_erp = _regions(rng, country)
    region_crm = _crm_regions(rng, unit, region_erp, units)
    months = timeline.n_months
    first_month, last_month = _lifecycle(rng, n, months, (months // 3, (5 * months) // 6),
                                         (months // 6, (5 * months) // 6))
    contact_name, contact_email = naming.person_names(rng, country)
    weight = account_weight[account] * rng.lognormal(0.0, CUSTOMER_UNIT_SIGMA, size=n)
    ship_count = rng.choice(np.arange(1, 5), size=n, p=SHIP_TO_COUNT_PROBS)
    return Customers(
        unit=unit, customer_id=customer_id, number=number, name=name, country=country,
        region_erp=region_erp, region_crm=region_crm,
        created_date=_created_dates(rng, first_month, timeline),
        contact_name=np.array(contact_name, dtype=object), contact_email=np.array(contact_email, dtype=object),
        account=account, weight=weight, first_month=first_month, last_month=last_month,
        main_channel=rng.choice(len(CHANNELS), size=n, p=CHANNEL_WEIGHTS),
        discount=rng.uniform(0.85, 1.0, size=n),
        ship_to_start=np.cumsum(ship_count) - ship_count, ship_to_count=ship_count,
        account_id=account_id, account_name=np.array(base_names, dtype=object), account_is_key=is_key,
        # Drawn last, so the draws above (and the data they shape) are those of a generator without the flag.
        has_price_clause=_exact_flags(rng, n, PRICE_CLAUSE_SHARE),
    )


def build_ship_tos(rng: np.random.Generator, customers: Customers, profile: Profile, units: Units) -> ShipTos:
    """1-4 ship-tos per customer; ~3% carry another customer of the unit as WMS logistics parent."""
    erp_customer = np.repeat(np.arange(len(customers)), customers.ship_to_count)
    unit = customers.unit[erp_customer]
    n = len(erp_customer)
    ship_to_id = np.empty(n, dtype=object)
    logistics = np.empty(n, dtype=object)
    country = customers.country[erp_customer].copy()
    foreign = rng.random(n) < 0.15
    for u, spec in enumerate(units.specs):
        members = np.flatnonzero(unit == u)
        prefix, width, first = naming.ship_to_id_style(spec.business_unit_id, profile.numeric_ids)
        ship_to_id[members] = naming.format_ids(prefix, _spread_numbers(rng, len(members), first), width)
        pool = np.array(naming.LOGISTICS_UNITS[spec.business_unit_id], dtype=object)
        logistics[members] = pool[rng.integers(0, len(pool), size=len(members))]
        moved = members[foreign[members]]
        country[moved] = np.array(spec.countries, dtype=object)[rng.integers(0, len(spec.countries), len(moved))]
    wms_customer = erp_customer.copy()
    candidates = np.flatnonzero(np.bincount(customers.unit)[unit] >= 2)
    n_conflicts = min(len(candidates), int(round(SHIP_TO_PARENT_CONFLICT_SHARE * n)))
    for i in np.sort(rng.choice(candidates, size=n_conflicts, replace=False)).tolist():
        same_unit = np.flatnonzero(customers.unit == unit[i])
        others = same_unit[same_unit != erp_customer[i]]
        wms_customer[i] = others[int(rng.integers(0, len(others)))]
    return ShipTos(unit, ship_to_id, erp_customer, wms_customer, logistics, country)


def _exact_flags(rng: np.random.Generator, count: int, share: float, minimum: int = 0) -> np.ndarray:
    """Boolean array with exactly round(share * count) (at least ``minimum``) random True values."""
    flags = np.zeros(count, dtype=bool)
    flags[rng.permutation(count)[: max(minimum, int(round(share * count)))]] = True
    return flags


def _product_names(rng: np.random.Generator, families: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Names like 'Gear Pump GP-412' (type from the family, code from the product number)."""
    out = np.empty(len(families), dtype=object)
    picks = rng.random(len(families))
    for i, family in enumerate(families.tolist()):
        types = naming.PRODUCT_FAMILIES[family]
        kind = types[int(picks[i] * len(types))]
        code = "".join(word[0] for word in kind.replace("-", " ").split()).upper()
        out[i] = f"{kind} {code}-{int(numbers[i]) % 1000:03d}{chr(65 + int(numbers[i]) % 26)}"
    return out


def _patterns(rng: np.random.Generator, count: int) -> np.ndarray:
    """Exactly the target pattern mix (rounded), in random order."""
    sizes = [int(round(PATTERN_SHARES[p] * count)) for p in PATTERNS[:-1]]
    sizes.append(count - sum(sizes))
    labels = np.repeat(np.array(PATTERNS, dtype=object), sizes)
    return labels[rng.permutation(count)]


def build_products(rng: np.random.Generator, scale: Scale, profile: Profile, timeline: Timeline) -> Products:
    """Global products with lifecycles, SBC pattern, costs and prices (EUR)."""
    n = scale.products
    prefix, width, first = naming.product_id_style(profile.numeric_ids)
    number = _spread_numbers(rng, n, first)
    family_names = np.array(sorted(naming.PRODUCT_FAMILIES), dtype=object)
    family = family_names[rng.integers(0, len(family_names), size=n)]
    uom = np.array([naming.FAMILY_UOM[f][int(u * len(naming.FAMILY_UOM[f]))]
                    for f, u in zip(family.tolist(), rng.random(n).tolist())], dtype=object)
    cost = np.round(np.clip(rng.lognormal(np.log(25.0), 1.0, size=n), 0.5, 5000.0), 2)
    loss = _exact_flags(rng, n, LOSS_MAKING_SHARE, minimum=1)
    markup = np.where(loss, rng.uniform(0.80, 0.95, size=n), rng.uniform(1.25, 2.2, size=n))
    months = timeline.n_months
    first_month, last_month = _lifecycle(rng, n, months, (months // 6, (2 * months) // 3),
                                         (months // 3, (5 * months) // 6))
    return Products(
        product_id=naming.format_ids(prefix, number, width), number=number,
        name=_product_names(rng, family, number), family=family, unit_of_measure=uom,
        standard_cost=cost, list_price=np.round(cost * markup, 4),
        lead_time_days=rng.choice(np.array([5, 7, 10, 14, 21, 28, 35, 42, 56, 70, 90]), size=n),
        has_service_clause=_exact_flags(rng, n, SERVICE_CLAUSE_SHARE), is_loss_making=loss,
        pattern=_patterns(rng, n), first_month=first_month, last_month=last_month,
        popularity=rng.lognormal(0.0, 1.0, size=n),
        line_quantity=np.clip(rng.lognormal(np.log(8.0), 0.8, size=n), 3.0, 400.0),
        unit_weight_kg=np.round(rng.lognormal(0.0, 1.0, size=n), 3),
        plant_preference=rng.integers(0, 60, size=n),
        season_amplitude=rng.uniform(0.0, 0.15, size=n), season_phase=rng.uniform(0.0, 12.0, size=n),
        trend=rng.uniform(-0.15, 0.20, size=n), forecast_bias=rng.uniform(-0.20, 0.30, size=n),
    )
