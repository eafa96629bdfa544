"""A planted disruption: deliveries from one plant run late and short during a known date range.

The generator passes every month's delivery rows through :func:`disrupt` (one hook line in
``generator._stream_months``). A clean order line shipped from ``PLANT_ID`` whose requested date lies in
``START_DATE`` .. ``END_DATE`` (both included) is an affected line:

- with probability ``LATE_SHARE_ADDED`` it is made late: all its deliveries (ship and delivered dates) move
  by the same number of days so that the last one arrives 3 to 14 days after the requested date (a line
  that was already late stays late);
- independently, with probability ``SHORT_SHARE_ADDED`` and when it ordered 2 units or more, it is made
  short: its last delivery keeps ``SHORT_KEPT_SHARE`` of its quantity (rounded down, at least 1 unit), so
  the line is no longer delivered in full (and, when delivered at once, no longer filled first time).

Lines of other plants, and of the plant outside the range, are untouched: their rows are byte-identical to
a generation without the hook. The plan is written once to ``_truth/planted_disruption.csv``; the seed
``disruption_events`` ships the matching event. Random draws come from their own stream
(``numpy.random.default_rng([seed, RANDOM_STREAM, month])``), after every other draw of the month.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .orders import LineBatch
from .world import World

EVENT_ID = "DISR-2025-P100"
KIND = "plant_outage"
PLANT_ID = "P100"
START_DATE = dt.date(2025, 6, 1)
END_DATE = dt.date(2025, 7, 31)
LATE_SHARE_ADDED = 0.50
SHORT_SHARE_ADDED = 0.30
SHORT_KEPT_SHARE = 0.6
RANDOM_STREAM = 101  # not one of config.STREAM's numbers
TRUTH_FILE = "planted_disruption.csv"
TRUTH_COLUMNS = ("event_id", "kind", "plant_id", "business_unit_id", "start_date", "end_date",
                 "late_share_added", "short_share_added", "short_kept_share")
Columns = dict[str, np.ndarray]


def _day_number(world: World, day: dt.date) -> int:
    return (day - world.timeline.first_month).days


def _write_truth(world: World, plant: int, truth_dir: Path) -> None:
    """The plan as one CSV row (written when the history holds the plant and the range)."""
    unit = world.units.specs[int(world.units.plant_unit[plant])].business_unit_id
    values = (EVENT_ID, KIND, PLANT_ID, unit, START_DATE.isoformat(), END_DATE.isoformat(),
              repr(LATE_SHARE_ADDED), repr(SHORT_SHARE_ADDED), repr(SHORT_KEPT_SHARE))
    text = ",".join(TRUTH_COLUMNS) + "\n" + ",".join(values) + "\n"
    (truth_dir / TRUTH_FILE).write_text(text, encoding="utf-8")


def disrupt(world: World, seed: int, month: int, lines: LineBatch, truth_dir: Path, rows: Columns) -> Columns:
    """The month's delivery rows with the affected lines made late and short (see the module doc)."""
    plants = [str(p) for p in world.units.plant_ids]
    start, end = _day_number(world, START_DATE), _day_number(world, END_DATE)
    if PLANT_ID not in plants or start < 0 or end > world.timeline.last_day:
        return rows
    plant = plants.index(PLANT_ID)
    if month == 0:
        _write_truth(world, plant, truth_dir)
    affected = (lines.plant == plant) & (lines.requested_day >= start) & (lines.requested_day <= end)
    if not affected.any():
        return rows
    rng = np.random.default_rng([seed, RANDOM_STREAM, month])
    n = len(lines)
    make_late = affected & (rng.random(n) < LATE_SHARE_ADDED)
    make_short = affected & (rng.random(n) < SHORT_SHARE_ADDED) & (lines.quantity >= 2)
    late_by = rng.integers(3, 15, size=n)

    # Delivery rows come in line order (logistics.deliveries): map each row to its line by key.
    line_key = {(u, o, int(k)): i for i, (u, o, k) in enumerate(
        zip(world.units.ids[lines.unit], lines.order_id, lines.line_number))}
    row_line = np.array([line_key[(u, o, int(k))] for u, o, k in zip(
        rows["business_unit_id"], rows["order_id"], rows["order_line_number"])], dtype=np.int64)
    day_of = {iso: d for d, iso in enumerate(world.timeline.iso_days)}
    ship = np.array([day_of[s] for s in rows["ship_date"]], dtype=np.int64)
    delivered = np.array([day_of[s] for s in rows["delivered_date"]], dtype=np.int64)

    last_delivered = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_delivered, row_line, delivered)
    shift = np.where(make_late, np.maximum(0, lines.requested_day + late_by - last_delivered), 0)
    limit = len(world.timeline.iso_days) - 1
    out = dict(rows)
    out["ship_date"] = world.timeline.iso(np.minimum(ship + shift[row_line], limit))
    out["delivered_date"] = world.timeline.iso(np.minimum(delivered + shift[row_line], limit))

    is_last_row = np.ones(len(row_line), dtype=bool)
    is_last_row[:-1] = row_line[1:] != row_line[:-1]
    cut = make_short[row_line] & is_last_row
    quantity = np.asarray(rows["delivered_quantity"], dtype=np.float64).copy()
    quantity[cut] = np.maximum(1.0, np.floor(quantity[cut] * SHORT_KEPT_SHARE))
    out["delivered_quantity"] = quantity
    return out
