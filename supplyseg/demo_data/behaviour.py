"""Planted customer behaviour groups: how often, how much and how urgently each global account buys.

Every global account gets one of four groups (all its ERP customers share it). The group sets
how many of a month's order lines the account receives (its line rate), in which months it buys,
how the lines are grouped into orders and how far ahead it requests delivery. Customer size
(the lognormal account weight) is independent of the group: groups are dealt out within blocks
of four accounts of similar size, and size mainly decides which lines an account gets (bigger
accounts get the more valuable lines); customers above the median size also get somewhat more
lines in bigger orders (never more orders), so every group keeps the heavy-tailed size mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

from .masters import Customers

BEHAVIOUR_GROUPS: tuple[str, ...] = ("bulk_buyer", "frequent_small", "erratic_project", "lead_time_sensitive")


@dataclass(frozen=True)
class GroupSpec:
    """How one behaviour group buys."""

    line_rate: float  # relative share of a month's order lines per active customer
    lines_per_order: float  # lines grouped into one order (orders = ceil(lines / this))
    value_offset: float  # log shift of the line value it is matched with (positive = bigger lines)
    lead_days: tuple[int, int]  # requested date = order date + lead_days drawn in this range (inclusive)
    active_share: float  # share of months with purchases (1.0 = every month of its lifecycle)
    burst_sizes: tuple[float, ...]  # volume factors of its buying months, dealt out in random order
    size_elasticity: float  # line rate and lines per order grow with max(1, weight / median weight) ** this


GROUPS: Mapping[str, GroupSpec] = MappingProxyType({
    "bulk_buyer": GroupSpec(0.7, 1.0e6, 2.5, (10, 26), 0.5, (1.0,), 0.3),
    "frequent_small": GroupSpec(2.5, 1.0, -2.0, (10, 26), 1.0, (1.0,), 0.0),
    "erratic_project": GroupSpec(0.6, 1.0e6, 1.0, (10, 26), 0.33, (0.3, 0.8, 2.2), 0.3),
    "lead_time_sensitive": GroupSpec(1.6, 1.5, 1.0, (1, 5), 0.9, (1.0,), 0.15),
})
MATCH_NOISE = 0.1  # standard deviation of the log-value noise when lines are matched to customers
MIN_BUYING_MONTHS = 3  # an account buys in at least this many months of its lifecycle


@dataclass(frozen=True)
class Behaviour:
    """Behaviour of every customer: its group and monthly line rate."""

    group: np.ndarray  # int index into BEHAVIOUR_GROUPS, per customer
    line_rate: np.ndarray  # float [customer, month], 0 where the customer does not buy
    lines_per_order: np.ndarray  # float per customer
    value_offset: np.ndarray  # float per customer
    lead_min: np.ndarray  # int per customer
    lead_max: np.ndarray  # int per customer


def assign_groups(rng: np.random.Generator, account_weight: np.ndarray) -> np.ndarray:
    """Group of each account: a random permutation of the four groups per block of 4 accounts by size."""
    n = len(account_weight)
    by_size = np.argsort(-account_weight, kind="stable")
    blocks = -(-n // len(BEHAVIOUR_GROUPS))
    labels = np.concatenate([rng.permutation(len(BEHAVIOUR_GROUPS)) for _ in range(blocks)])[:n]
    group = np.empty(n, dtype=np.int64)
    group[by_size] = labels
    return group


def plant_behaviour(rng: np.random.Generator, customers: Customers, n_months: int) -> Behaviour:
    """Behaviour groups of the accounts and the monthly line rate of every customer."""
    n_accounts = len(customers.account_id)
    account_weight = np.bincount(customers.account, weights=customers.weight, minlength=n_accounts)
    account_group = assign_groups(rng, account_weight)
    specs = [GROUPS[name] for name in BEHAVIOUR_GROUPS]
    first = np.full(n_accounts, n_months, dtype=np.int64)
    last = np.full(n_accounts, -1, dtype=np.int64)
    np.minimum.at(first, customers.account, customers.first_month)
    np.maximum.at(last, customers.account, customers.last_month)
    account_rate = np.zeros((n_accounts, n_months))
    for account in range(n_accounts):
        spec = specs[account_group[account]]
        alive = np.arange(first[account], last[account] + 1)
        n_buying = min(len(alive), max(MIN_BUYING_MONTHS, int(round(spec.active_share * len(alive)))))
        months = np.sort(alive[rng.permutation(len(alive))[:n_buying]])
        sizes = np.resize(np.asarray(spec.burst_sizes), n_buying)[rng.permutation(n_buying)]
        account_rate[account, months] = sizes / sizes.mean() * len(alive) / n_buying

    group = account_group[customers.account]
    months = np.arange(n_months)
    alive = (customers.first_month[:, None] <= months) & (customers.last_month[:, None] >= months)
    # Customers above the median size get more lines in bigger orders (same number of orders).
    elasticity = np.array([s.size_elasticity for s in specs])[group]
    size_factor = np.maximum(1.0, customers.weight / np.median(customers.weight)) ** elasticity
    rate = np.array([s.line_rate for s in specs])[group] * size_factor
    return Behaviour(
        group=group,
        line_rate=alive * rate[:, None] * account_rate[customers.account],
        lines_per_order=np.array([s.lines_per_order for s in specs])[group] * size_factor,
        value_offset=np.array([s.value_offset for s in specs])[group],
        lead_min=np.array([s.lead_days[0] for s in specs], dtype=np.int64)[group],
        lead_max=np.array([s.lead_days[1] for s in specs], dtype=np.int64)[group],
    )


def systematic_counts(rates: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Integer counts summing to ``total``, each floor or ceil of its share of the rates (random order)."""
    counts = np.zeros(len(rates), dtype=np.int64)
    if total == 0:
        return counts
    positive = np.flatnonzero(rates > 0)
    if len(positive) == 0:
        raise ValueError("systematic_counts: no customer can receive the month's order lines")
    order = positive[rng.permutation(len(positive))]
    cumulative = np.cumsum(rates[order]) / rates[order].sum() * total
    edges = np.floor(cumulative + rng.random()).astype(np.int64)
    edges[-1] = total
    counts[order] = np.diff(np.r_[0, np.minimum(edges, total)])
    return counts


def match_lines(line_value: np.ndarray, customer: np.ndarray, customer_key: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """Customer of each line: lines sorted by value are paired with slots sorted by noisy customer key."""
    slot_key = customer_key[customer] + rng.normal(0.0, MATCH_NOISE, size=len(customer))
    slots = customer[np.argsort(slot_key, kind="stable")]
    out = np.empty(len(line_value), dtype=np.int64)
    out[np.argsort(np.log(line_value), kind="stable")] = slots
    return out
