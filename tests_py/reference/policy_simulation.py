"""Slow reference of the policy what-if (doc block policy_simulation in docs/sandboxes.md), one item at a time.

Plain Python loops over items and periods with a list of pending orders, written from the rules in the
doc block, so tests_py/test_policy_simulation.py can compare it with the vectorised
``supplyseg.policy.simulation.simulate``. Nothing in the product package imports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemPolicy:
    reorder_point: float
    order_up_to: float
    lot_size: float
    review_periods: int
    lead_time_periods: int
    unit_value: float
    is_stocked: bool = True


@dataclass
class ItemOutcome:
    filled: list[float]
    on_hand_end: list[float]
    ordered: list[float]
    stockout: list[bool]


def replay_item(demand: list[float | None], policy: ItemPolicy, backorders: bool = False) -> ItemOutcome:
    """Replay one item's demand (None = before its first period) period by period."""
    periods = len(demand)
    outcome = ItemOutcome([0.0] * periods, [0.0] * periods, [0.0] * periods, [False] * periods)
    if not policy.is_stocked:
        return outcome
    pending: list[tuple[int, float]] = []  # (period the order can first serve, quantity)
    on_hand = 0.0
    backlog = 0.0
    started_at: int | None = None
    for t, wanted in enumerate(demand):
        if wanted is None:
            continue
        if started_at is None:
            started_at = t
            on_hand = policy.order_up_to
        # 1. receipts: they serve the backlog first
        for due, quantity in [order for order in pending if order[0] == t]:
            pending.remove((due, quantity))
            on_hand += quantity
            served_backlog = min(backlog, on_hand)
            backlog -= served_backlog
            on_hand -= served_backlog
        # 2. demand
        served = min(wanted, on_hand)
        on_hand -= served
        if backorders:
            backlog += wanted - served
        outcome.filled[t] = served
        outcome.stockout[t] = served < wanted
        # 3. end-of-period stock
        outcome.on_hand_end[t] = on_hand
        # 4. review at the end of every review_periods-th period of the item
        if (t - started_at + 1) % policy.review_periods == 0:
            position = on_hand - backlog + sum(quantity for _, quantity in pending)
            if position <= policy.reorder_point and position < policy.order_up_to:
                gap = policy.order_up_to - position
                if policy.lot_size > 0:
                    quantity = policy.lot_size * max(1, math.ceil(gap / policy.lot_size))
                else:
                    quantity = gap
                outcome.ordered[t] = quantity
                pending.append((t + policy.lead_time_periods + 1, quantity))
    return outcome
