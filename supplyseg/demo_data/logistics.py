"""WMS deliveries, inventory snapshots and planning forecasts, generated month by month."""

from __future__ import annotations

import numpy as np

from .orders import LineBatch, split_integer
from .stockouts import StockoutMonth
from .world import World

SPLIT_SHARE = 0.10  # lines delivered in 2-3 deliveries
PARTIAL_SHARE = 0.05  # lines delivered short (less than ordered)
LATE_SHARE = 0.15  # lines whose last delivery arrives after the requested date
FORECAST_NOISE = 0.15  # lognormal sigma of forecast noise
Columns = dict[str, np.ndarray]


def _delivery_quantities(lines: LineBatch, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(deliveries per line, delivered quantity of each delivery) with partials and splits."""
    n = len(lines)
    qty = lines.quantity
    partial = (rng.random(n) < PARTIAL_SHARE) & (qty >= 2)
    short = np.floor(qty * rng.uniform(0.5, 0.95, size=n)).astype(np.int64)
    total = np.where(partial, np.clip(short, 1, qty - 1), qty)
    # Only lines of 2+ units can be split: draw among them so splits stay SPLIT_SHARE of all lines.
    splittable = total >= 2
    split = splittable & (rng.random(n) < min(1.0, SPLIT_SHARE * n / max(1, int(splittable.sum()))))
    pieces = np.where(split, np.where(rng.random(n) < 0.7, 2, 3), 1)
    pieces = np.minimum(pieces, total)
    return pieces, split_integer(total, pieces, rng)


def _delivery_dates(lines: LineBatch, pieces: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(ship day, delivered day) of each delivery; ~15% of lines end after the requested date."""
    n = len(lines)
    order, requested = lines.order_day, lines.requested_day
    late = rng.random(n) < LATE_SHARE
    early = np.minimum(rng.integers(0, 3, size=n), requested - order - 1)
    last_delivered = np.where(late, requested + rng.integers(1, 15, size=n), requested - early)
    line = np.repeat(np.arange(n), pieces)
    position = np.arange(len(line)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    remaining = pieces[line] - 1 - position  # deliveries after this one
    transit = rng.integers(1, 6, size=len(line))
    final = last_delivered[line]
    last_ship = final - np.minimum(transit, final - order[line])
    ship = np.maximum(order[line], last_ship - remaining * rng.integers(2, 8, size=len(line)))
    delivered = np.where(remaining == 0, final, np.minimum(ship + transit, final))
    return ship, np.maximum(delivered, ship)


def deliveries(world: World, lines: LineBatch, rng: np.random.Generator, next_delivery: list[int]) -> Columns:
    """Delivery rows for a month's clean lines (freight and handling cost in EUR)."""
    pieces, delivered_qty = _delivery_quantities(lines, rng)
    ship, delivered = _delivery_dates(lines, pieces, rng)
    line = np.repeat(np.arange(len(lines)), pieces)
    product = lines.product[line]
    weight = world.products.unit_weight_kg[product] * delivered_qty
    distance = rng.uniform(0.8, 1.6, size=len(line))
    start = next_delivery[0]
    next_delivery[0] = start + len(line)
    prefix = "" if world.profile.numeric_ids else "DL"
    return {
        "business_unit_id": world.units.ids[lines.unit[line]],
        "order_id": lines.order_id[line],
        "order_line_number": lines.line_number[line],
        "delivery_id": np.array([f"{prefix}{k:09d}" for k in range(start, start + len(line))], dtype=object),
        "ship_date": world.timeline.iso(ship),
        "delivered_date": world.timeline.iso(delivered),
        "delivered_quantity": delivered_qty.astype(np.float64),
        "freight_cost": np.round(6.0 + 0.18 * weight * distance, 2),
        "handling_cost": np.round(2.5 + 0.04 * delivered_qty * (1.0 + world.products.unit_weight_kg[product]), 2),
    }


def inventory(world: World, month: int, rng: np.random.Generator, stockout: StockoutMonth) -> Columns:
    """Month-end on-hand quantity per plant and product active this month: 0 where it stocked out, else > 0."""
    products = np.flatnonzero(world.demand.expected[:, month] > 0)
    plant_unit = world.units.plant_unit
    n_plants = len(plant_unit)
    plant = np.repeat(np.arange(n_plants), len(products))
    product = np.tile(products, n_plants)
    unit = plant_unit[plant]
    count = world.units.plant_count[unit]
    local = plant - world.units.plant_start[unit]
    preferred = world.products.plant_preference[product] % count
    plant_share = np.where(count == 1, 1.0, np.where(local == preferred, 0.85, 0.15 / np.maximum(count - 1, 1)))
    expected = world.demand.expected[product, month] * world.unit_share[unit, month] * plant_share
    cover = rng.gamma(4.0, 0.35, size=len(plant))  # months of cover, mean 1.4
    empty = np.isin(product * n_plants + plant, stockout.stocked_out(n_plants))
    on_hand = np.where(empty, 0.0, np.maximum(1.0, np.round(expected * cover)))
    return {
        "snapshot_date": np.full(len(plant), world.timeline.month_end_iso(month), dtype=object),
        "plant_id": world.units.plant_ids[plant],
        "product_id": world.products.product_id[product],
        "on_hand_quantity": on_hand.astype(np.float64),
    }


def forecasts(world: World, month: int, rng: np.random.Generator) -> Columns:
    """Forecast per unit and active product: expected demand x (1 + product bias) x noise."""
    products = np.flatnonzero(world.demand.expected[:, month] > 0)
    n_units = len(world.units.specs)
    unit = np.repeat(np.arange(n_units), len(products))
    product = np.tile(products, n_units)
    expected = world.demand.expected[product, month] * world.unit_share[unit, month]
    noise = rng.lognormal(0.0, FORECAST_NOISE, size=len(product))
    value = np.round(expected * (1.0 + world.products.forecast_bias[product]) * noise, 2)
    return {
        "business_unit_id": world.units.ids[unit],
        "product_id": world.products.product_id[product],
        "period_start": np.full(len(product), world.timeline.month_start_iso(month), dtype=object),
        "forecast_quantity": value,
    }
