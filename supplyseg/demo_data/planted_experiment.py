"""A planted policy effect for the A/B-test models: treated customers deliver on time more often from a date.

The treatment group is a fixed list of global accounts (``TREATED_ACCOUNT_NUMBERS``: every third account
number up to ``TREATED_ACCOUNT_MAX``; global account ids ``GA-000003``, ``GA-000006``, ... are sequential
in every scale and seed of the ``full`` profile). From ``START_DATE`` (order date) on, a late line of a
treated customer is made on time with probability ``EFFECT`` / (its chance of being late: ``LATE_SHARE``, or 1
for a line requested on or before its order day), so every treated line's chance of being on time, and with
it the on-time rate of the treated customers, rises by ``EFFECT`` in expectation; nothing else changes. The draws come from their own
random stream, so the deliveries of every other customer, and every other file, stay byte-identical to
a generation without the effect. The seed ``policy_experiments`` ships the matching experiment
``EXPERIMENT_ID`` and ``policy_experiment_entities`` lists the same accounts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from .logistics import LATE_SHARE
from .orders import LineBatch
from .world import World

EXPERIMENT_ID = "EXP-01-PRIORITY-PICKING"
KPI_NAME = "on_time_rate"
GRAIN = "customer"
START_DATE = dt.date(2025, 7, 1)  # first order date with the effect
EFFECT = 0.10  # expected rise of the on-time rate of treated customers (share of lines, 0..LATE_SHARE)
TREATED_ACCOUNT_MAX = 240
TREATED_ACCOUNT_NUMBERS: tuple[int, ...] = tuple(range(3, TREATED_ACCOUNT_MAX + 1, 3))
RANDOM_STREAM = 1017  # numpy.random.default_rng([seed, RANDOM_STREAM, month]); not in config.STREAM
TRUTH_PARAMETERS = "planted_policy_effect.json"
TRUTH_ENTITIES = "planted_policy_effect_entities.csv"
Columns = dict[str, np.ndarray]


def treated_account_ids() -> tuple[str, ...]:
    """Global account ids of the treatment group (the ids the generator gives accounts 3, 6, 9, ...)."""
    return tuple(f"GA-{number:06d}" for number in TREATED_ACCOUNT_NUMBERS)


def _treated_customers(world: World) -> np.ndarray:
    """Boolean per ERP customer: its global account is treated."""
    customers = world.customers
    return np.isin(customers.account_id[customers.account], np.array(treated_account_ids(), dtype=object))


def _line_index(delivered: Columns) -> np.ndarray:
    """Index of the order line of every delivery row (rows come grouped by line, in line order)."""
    unit, order, line = delivered["business_unit_id"], delivered["order_id"], delivered["order_line_number"]
    if len(order) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (unit[1:] != unit[:-1]) | (order[1:] != order[:-1]) | (line[1:] != line[:-1])
    return np.cumsum(starts) - 1


def _last_per_line(line: np.ndarray, dates: np.ndarray, n_lines: int) -> np.ndarray:
    """Latest ISO date per line ('' for a line without rows)."""
    last = np.full(n_lines, "", dtype=object)
    if len(line) == 0:
        return last
    order = np.lexsort((dates.astype(str), line))
    is_last = np.ones(len(order), dtype=bool)
    is_last[:-1] = line[order][1:] != line[order][:-1]
    last[line[order][is_last]] = dates[order][is_last]
    return last


def _late_probability(lines: LineBatch) -> np.ndarray:
    """Chance that logistics.deliveries makes a line late: 1 when it is requested on or before its order day
    (no delivery can be early enough), LATE_SHARE otherwise."""
    return np.where(lines.requested_day <= lines.order_day, 1.0, LATE_SHARE)


def plant_policy_effect(world: World, seed: int, month: int, lines: LineBatch, delivered: Columns) -> Columns:
    """The month's delivery rows with the effect planted: late lines of treated customers ordered on or
    after START_DATE become on time (every delivery of the line arrives by the requested date) with
    probability EFFECT / (the line's chance of being late), so every such line is on time with EFFECT more
    probability than without the policy. Other rows are returned unchanged."""
    start_day = (START_DATE - world.timeline.first_month).days
    rng = np.random.default_rng([seed, RANDOM_STREAM, month])
    draw = rng.random(len(lines))
    line = _line_index(delivered)
    requested = world.timeline.iso(lines.requested_day)
    last_delivered = _last_per_line(line, delivered["delivered_date"], len(lines))
    eligible = (_treated_customers(world)[lines.customer] & (lines.order_day >= start_day)
                & (last_delivered > requested))
    made_on_time = (eligible & (draw < EFFECT / _late_probability(lines)))[line]
    if not made_on_time.any():
        return delivered
    new_delivered = np.where(made_on_time & (delivered["delivered_date"] > requested[line]),
                             requested[line], delivered["delivered_date"])
    new_ship = np.where(made_on_time & (delivered["ship_date"] > new_delivered), new_delivered,
                        delivered["ship_date"])
    return {**delivered, "delivered_date": new_delivered, "ship_date": new_ship}


def write_truth(world: World, truth_dir: Path) -> dict[str, int]:
    """Write the planted effect (parameters as JSON, treated customers as CSV) to the truth folder; returns
    {truth name: rows} for the summary. Writes nothing for a profile without deliveries."""
    for name in (TRUTH_PARAMETERS, TRUTH_ENTITIES):
        (truth_dir / name).unlink(missing_ok=True)
    if not world.profile.optional_files:
        return {}
    customers = world.customers
    treated = np.flatnonzero(_treated_customers(world))
    accounts = customers.account_id[customers.account]
    rows = sorted(zip(accounts[treated].tolist(), world.units.ids[customers.unit[treated]].tolist(),
                      customers.customer_id[treated].tolist()))
    text = "global_account_id,business_unit_id,customer_id\n" + "".join(f"{a},{u},{c}\n" for a, u, c in rows)
    (truth_dir / TRUTH_ENTITIES).write_text(text, encoding="utf-8")
    parameters = {
        "experiment_id": EXPERIMENT_ID, "grain": GRAIN, "kpi_name": KPI_NAME,
        "start_date": START_DATE.isoformat(), "effect": EFFECT,
        "treated_global_account_ids": sorted({a for a, _, _ in rows}),
        "note": "from start_date (order date) on, late lines of treated customers become on time with"
                " probability effect / (chance the line is late); effect = expected rise of their on-time rate",
    }
    (truth_dir / TRUTH_PARAMETERS).write_text(json.dumps(parameters, indent=2) + "\n", encoding="utf-8")
    return {TRUTH_ENTITIES.removesuffix(".csv"): len(rows)}
