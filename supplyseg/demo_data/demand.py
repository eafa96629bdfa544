"""True monthly product demand (SBC patterns) and the monthly FX rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import FX_START, Scale
from .masters import Customers, Products, Units
from .timeline import Timeline

# (occurrence probability range, CV^2 range of non-zero sizes) per pattern; well inside the SBC regions.
PATTERN_PARAMETERS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "smooth": ((1.0, 1.0), (0.05, 0.15)),
    "erratic": ((0.95, 1.0), (1.5, 2.0)),
    "intermittent": ((0.35, 0.45), (0.05, 0.15)),
    "lumpy": ((0.38, 0.45), (1.75, 2.25)),
}
FX_VOLATILITY = 0.012  # monthly log-return standard deviation
FX_REVERSION = 0.10  # pull back towards the starting level per month


@dataclass(frozen=True)
class Demand:
    """Product x month demand: realised integer quantities, expected values and lines per active month."""

    quantity: np.ndarray  # int64 [product, month], 0 = no demand
    expected: np.ndarray  # float [product, month], expected demand (0 outside the lifecycle)
    lines_per_month: np.ndarray  # float [product], mean order lines in a month with demand
    mean_size: np.ndarray  # float [product], mean non-zero monthly demand before seasonality and trend
    occurrence: np.ndarray  # float [product]
    cv2: np.ndarray  # float [product]


def lifecycle_mask(products: Products, n_months: int) -> np.ndarray:
    """Boolean [product, month]: month lies within the product's first..last month."""
    months = np.arange(n_months)
    return (months[None, :] >= products.first_month[:, None]) & (months[None, :] <= products.last_month[:, None])


def _pattern_parameters(rng: np.random.Generator, products: Products) -> tuple[np.ndarray, np.ndarray]:
    """Occurrence probability and size CV^2 of each product from its pattern."""
    n = len(products)
    occurrence, cv2 = np.empty(n), np.empty(n)
    draws = rng.random((n, 2))
    for pattern, ((p_lo, p_hi), (c_lo, c_hi)) in PATTERN_PARAMETERS.items():
        members = products.pattern == pattern
        occurrence[members] = p_lo + (p_hi - p_lo) * draws[members, 0]
        cv2[members] = c_lo + (c_hi - c_lo) * draws[members, 1]
    return occurrence, cv2


def seasonal_trend(products: Products, timeline: Timeline) -> np.ndarray:
    """Multiplier [product, month]: mild seasonality (amplitude <= 0.15) times a linear trend."""
    calendar = timeline.calendar_months()[None, :]
    season = 1.0 + products.season_amplitude[:, None] * np.sin(
        2.0 * np.pi * (calendar + products.season_phase[:, None]) / 12.0)
    position = np.arange(timeline.n_months) / max(1, timeline.n_months - 1) - 0.5
    trend = 1.0 + products.trend[:, None] * position[None, :]
    return season * trend


def build_demand(rng: np.random.Generator, scale: Scale, products: Products, timeline: Timeline) -> Demand:
    """Occurrences first, then lines per month calibrated to the scale, then gamma-distributed sizes."""
    occurrence, cv2 = _pattern_parameters(rng, products)
    active = lifecycle_mask(products, timeline.n_months)
    occurs = active & (rng.random(active.shape) < occurrence[:, None])
    target_lines = scale.order_lines * timeline.n_months / 36.0
    occurring_months = occurs.sum(axis=1)
    lines = target_lines * products.popularity / float(np.dot(products.popularity, occurring_months))
    lines = np.maximum(lines, 0.3)
    mean_size = np.maximum(lines, 1.0) * products.line_quantity
    shape = 1.0 / cv2
    multiplier = seasonal_trend(products, timeline)
    sizes = rng.gamma(shape[:, None], (mean_size / shape)[:, None], size=active.shape) * multiplier
    quantity = np.where(occurs, np.maximum(1, np.round(sizes)), 0).astype(np.int64)
    expected = np.where(active, mean_size[:, None] * occurrence[:, None] * multiplier, 0.0)
    lines = _calibrate_lines(lines, quantity, mean_size, target_lines)
    return Demand(quantity, expected, lines, mean_size, occurrence, cv2)


def _calibrate_lines(lines: np.ndarray, quantity: np.ndarray, mean_size: np.ndarray,
                     target_lines: float) -> np.ndarray:
    """Rescale lines per month so the expected line count (max(1, Poisson) per demand month) hits the target."""
    relative = quantity / mean_size[:, None]
    occurring = quantity > 0
    factor = 1.0
    for _ in range(20):
        rate = lines[:, None] * factor * relative
        expected = float(np.sum(np.where(occurring, rate + np.exp(-rate), 0.0)))
        factor *= target_lines / expected
    return lines * factor


def unit_demand_share(customers: Customers, units: Units, n_months: int) -> np.ndarray:
    """[unit, month] share of demand going to each unit (by weights of its active customers)."""
    months = np.arange(n_months)
    active = (customers.first_month[:, None] <= months) & (customers.last_month[:, None] >= months)
    weighted = active * customers.weight[:, None]
    per_unit = np.stack([weighted[customers.unit == u].sum(axis=0) for u in range(len(units.specs))])
    return per_unit / per_unit.sum(axis=0, keepdims=True)


def build_fx(rng: np.random.Generator, currencies: tuple[str, ...], n_months: int) -> dict[str, np.ndarray]:
    """Monthly rate_to_reporting (EUR per unit) per currency: EUR 1.0, others a mean-reverting walk."""
    rates: dict[str, np.ndarray] = {}
    for currency in sorted(set(currencies) | {"EUR"}):
        start = FX_START[currency]
        if currency == "EUR":
            rates[currency] = np.ones(n_months)
            continue
        shocks = rng.normal(0.0, FX_VOLATILITY, size=n_months)
        level = np.empty(n_months)
        current = np.log(start)
        for month in range(n_months):
            current += FX_REVERSION * (np.log(start) - current) + (shocks[month] if month else 0.0)
            level[month] = current
        rates[currency] = np.round(np.exp(level), 6)
    return rates
