"""Split one month's product demand into sales-order lines across customers, days and orders."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import naming
from .behaviour import match_lines, systematic_counts
from .config import CHANNELS
from .stockouts import StockoutMonth, apply_stockouts
from .world import World

MAIN_SHIP_TO_SHARE = 0.6  # share of a customer's orders going to its first ship-to
MAIN_CHANNEL_SHARE = 0.88  # share of a customer's orders booked in its main channel
PREFERRED_PLANT_SHARE = 0.85  # share of lines shipped from the product's preferred plant of the unit
LINE_SPLIT_SHAPE = 0.5  # gamma shape of the weights splitting a product's month demand into lines
PRICE_NOISE = 0.01  # standard deviation of the relative line-price noise (clipped at +-3%)


@dataclass
class LineBatch:
    """Clean order lines of one month, as integer codes and numbers (sorted by unit, order, line)."""

    unit: np.ndarray
    order_id: np.ndarray  # object
    line_number: np.ndarray
    order_day: np.ndarray
    requested_day: np.ndarray
    customer: np.ndarray
    ship_to: np.ndarray
    product: np.ndarray
    plant: np.ndarray
    channel: np.ndarray
    quantity: np.ndarray  # int64, > 0
    unit_price: np.ndarray
    unit_cost: np.ndarray

    def __len__(self) -> int:
        return len(self.quantity)


def split_integer(totals: np.ndarray, counts: np.ndarray, rng: np.random.Generator,
                  shape: float = 2.0) -> np.ndarray:
    """Split each total into ``counts`` positive integer parts (counts <= totals), concatenated by group.

    Parts are proportional to gamma(``shape``) weights: a smaller shape gives more unequal parts.
    """
    if np.any(counts > totals) or np.any(counts < 1):
        raise ValueError("split_integer: every count must be between 1 and its total")
    group = np.repeat(np.arange(len(totals)), counts)
    weights = rng.gamma(shape, size=len(group))
    weight_sum = np.bincount(group, weights=weights, minlength=len(totals))
    extra = (totals - counts).astype(np.float64)
    parts = 1 + np.floor(weights / weight_sum[group] * extra[group]).astype(np.int64)
    residual = totals - np.bincount(group, weights=parts, minlength=len(totals)).astype(np.int64)
    first = np.cumsum(counts) - counts
    parts[first] += residual
    return parts


def _product_lines(world: World, month: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(product, quantity) of every line: each product's month demand split into 1..demand lines."""
    demand = world.demand.quantity[:, month]
    products = np.flatnonzero(demand > 0)
    totals = demand[products]
    # Lines grow with the month's volume, so a big month has more (not bigger) lines.
    relative = totals / world.demand.mean_size[products]
    counts = np.maximum(1, rng.poisson(world.demand.lines_per_month[products] * relative))
    counts = np.minimum(counts, totals)
    return np.repeat(products, counts), split_integer(totals, counts, rng, LINE_SPLIT_SHAPE)


def _pick_customers(world: World, month: int, product: np.ndarray, quantity: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """Customer of each line: line counts follow the behaviour line rates, values follow customer size."""
    b = world.behaviour
    counts = systematic_counts(b.line_rate[:, month], len(product), rng)
    slots = np.repeat(np.arange(len(counts)), counts)
    key = np.log(world.customers.weight) + b.value_offset
    return match_lines(quantity * world.products.list_price[product], slots, key, rng)


@dataclass
class Occasions:
    """Order occasions of the month (one sales order each when it receives lines)."""

    customer: np.ndarray
    day: np.ndarray
    requested_day: np.ndarray
    ship_to: np.ndarray
    channel: np.ndarray


def _occasions(world: World, month: int, n_occ: np.ndarray, rng: np.random.Generator) -> Occasions:
    """``n_occ[c]`` order occasions of each customer c, on weighted random days of the month."""
    c = world.customers
    customer = np.repeat(np.arange(len(c)), n_occ)
    n = len(customer)
    day = world.timeline.month_first_day[month] + rng.choice(
        world.timeline.days_in_month(month), size=n, p=world.timeline.order_day_weights(month))
    b = world.behaviour
    requested = day + rng.integers(b.lead_min[customer], b.lead_max[customer] + 1)
    count = c.ship_to_count[customer]
    secondary = 1 + np.floor(rng.random(n) * np.maximum(count - 1, 1)).astype(np.int64)
    pick = np.where((rng.random(n) < MAIN_SHIP_TO_SHARE) | (count == 1), 0, secondary)
    channel = np.where(rng.random(n) < MAIN_CHANNEL_SHARE, c.main_channel[customer],
                       rng.integers(0, len(CHANNELS), size=n))
    return Occasions(customer, day, requested, c.ship_to_start[customer] + pick, channel)


def assign_order_ids(world: World, unit: np.ndarray, day: np.ndarray, next_number: dict[int, int],
                     is_return: bool) -> np.ndarray:
    """Sequential order IDs per unit in (day, position) order; advances ``next_number``."""
    ids = np.empty(len(unit), dtype=object)
    order = np.lexsort((np.arange(len(unit)), day, unit))
    for u, spec in enumerate(world.units.specs):
        members = order[unit[order] == u]
        prefix, width, first = naming.order_id_style(spec.business_unit_id, world.profile.numeric_ids, is_return)
        start = next_number.get(u, first)
        ids[members] = naming.format_ids(prefix, np.arange(start, start + len(members)), width)
        next_number[u] = start + len(members)
    return ids


def _plants(world: World, unit: np.ndarray, product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Plant index of each line: the product's preferred plant of the unit, sometimes another one."""
    count = world.units.plant_count[unit]
    preferred = world.products.plant_preference[product] % count
    other = (preferred + 1 + np.floor(rng.random(len(unit)) * np.maximum(count - 1, 1)).astype(np.int64)) % count
    local = np.where((rng.random(len(unit)) < PREFERRED_PLANT_SHARE) | (count == 1), preferred, other)
    return world.units.plant_start[unit] + local


def _prices(world: World, month: int, unit: np.ndarray, customer: np.ndarray, product: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Unit price and cost in the unit's currency (EUR list price / cost converted at the month rate)."""
    rate = np.array([world.fx[s.currency_code][month] for s in world.units.specs])[unit]
    noise = np.clip(1.0 + rng.normal(0.0, PRICE_NOISE, size=len(unit)), 0.97, 1.03)
    price = np.round(world.products.list_price[product] / rate * world.customers.discount[customer] * noise, 2)
    cost = np.round(world.products.standard_cost[product] / rate, 2)
    return np.maximum(price, 0.01), np.maximum(cost, 0.01)


def _group_into_orders(world: World, month: int, customer: np.ndarray, rng: np.random.Generator,
                       next_order: dict[int, int]) -> tuple[np.ndarray, Occasions, np.ndarray, np.ndarray]:
    """(occasion of each line, occasions, rank of each occasion in ID order, order ID of each occasion)."""
    per_customer = np.bincount(customer, minlength=len(world.customers))
    n_occ = np.ceil(per_customer / world.behaviour.lines_per_order).astype(np.int64)
    occ = _occasions(world, month, n_occ, rng)
    occ_start = np.cumsum(n_occ) - n_occ
    # The first n_occ lines of a customer open one occasion each; the others join a random one.
    order = np.argsort(customer, kind="stable")
    rank = np.empty(len(customer), dtype=np.int64)
    rank[order] = np.arange(len(customer)) - (np.cumsum(per_customer) - per_customer)[customer[order]]
    random_occ = np.floor(rng.random(len(customer)) * n_occ[customer]).astype(np.int64)
    line_occ = occ_start[customer] + np.where(rank < n_occ[customer], rank, random_occ)
    used = np.unique(line_occ)
    order_unit = world.customers.unit[occ.customer[used]]
    order_ids = np.empty(len(occ.customer), dtype=object)
    order_ids[used] = assign_order_ids(world, order_unit, occ.day[used], next_order, is_return=False)
    occ_rank = np.zeros(len(occ.customer), dtype=np.int64)
    occ_rank[used[np.lexsort((used, occ.day[used], order_unit))]] = np.arange(len(used))
    return line_occ, occ, occ_rank, order_ids


def month_lines(world: World, month: int, rng: np.random.Generator, next_order: dict[int, int],
                stockout_rng: np.random.Generator | None = None) -> tuple[LineBatch, StockoutMonth | None]:
    """All clean order lines of one month, sorted by unit, order ID and line number.

    With ``stockout_rng``, some product x plant pairs run out of stock and lose part of their lines
    (see stockouts.py); the second value then describes every pair with demand, else it is None.
    """
    product, quantity = _product_lines(world, month, rng)
    customer = _pick_customers(world, month, product, quantity, rng)
    plant = _plants(world, world.customers.unit[customer], product, rng)
    stockout = None
    if stockout_rng is not None:
        keep, stockout = apply_stockouts(product, plant, quantity, len(world.units.plant_ids), stockout_rng)
        product, quantity, customer, plant = product[keep], quantity[keep], customer[keep], plant[keep]
    line_occ, occ, occ_rank, order_ids = _group_into_orders(world, month, customer, rng, next_order)
    sort = np.lexsort((product, occ_rank[line_occ]))
    product, quantity, customer, plant, line_occ = (
        product[sort], quantity[sort], customer[sort], plant[sort], line_occ[sort])
    unit = world.customers.unit[customer]
    boundaries = np.r_[True, line_occ[1:] != line_occ[:-1]]
    group_start = np.maximum.accumulate(np.where(boundaries, np.arange(len(line_occ)), 0))
    price, cost = _prices(world, month, unit, customer, product, rng)
    lines = LineBatch(
        unit=unit, order_id=order_ids[line_occ], line_number=np.arange(len(line_occ)) - group_start + 1,
        order_day=occ.day[line_occ], requested_day=occ.requested_day[line_occ], customer=customer,
        ship_to=occ.ship_to[line_occ], product=product, plant=plant,
        channel=occ.channel[line_occ], quantity=quantity, unit_price=price, unit_cost=cost,
    )
    return lines, stockout
