"""Turn a month's clean lines into written order_lines rows with injected, recorded defects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import naming
from .config import CHANNELS, IN_PLACE_DEFECTS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .orders import LineBatch, assign_order_ids
from .world import World

Columns = dict[str, np.ndarray]
OUTLIER_FACTOR = 100
UNPARSEABLE_TEMPLATES: tuple[str, ...] = ("{year}-13-45", "n/a", "{year}-02-30", "0000-00-00")
FLOAT_COLUMNS: tuple[str, ...] = ("quantity", "unit_price", "unit_cost")


@dataclass
class DefectState:
    """Counters carried from month to month (return order numbers)."""

    next_return_order: dict[int, int]


def line_columns(world: World, lines: LineBatch) -> Columns:
    """The order_lines columns (strings, floats) of clean lines, in contract order."""
    cols: Columns = {
        "business_unit_id": world.units.ids[lines.unit],
        "order_id": lines.order_id,
        "order_line_number": lines.line_number.astype(np.int64),
        "order_date": world.timeline.iso(lines.order_day),
        "requested_date": world.timeline.iso(lines.requested_day),
        "customer_id": world.customers.customer_id[lines.customer],
        "ship_to_id": world.ship_tos.ship_to_id[lines.ship_to],
        "product_id": world.products.product_id[lines.product],
        "plant_id": world.units.plant_ids[lines.plant],
        "channel": np.array(CHANNELS, dtype=object)[lines.channel],
        "quantity": lines.quantity.astype(np.float64),
        "unit_price": lines.unit_price.astype(np.float64),
        "unit_cost": lines.unit_cost.astype(np.float64),
        "currency_code": world.units.currencies[lines.unit],
    }
    return {name: values.copy() for name, values in cols.items()}


def _unknown_customer_ids(world: World, unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Customer IDs in each unit's style whose numbers lie beyond every real customer number."""
    out = np.empty(len(unit), dtype=object)
    offsets = rng.integers(1_000, 90_000, size=len(unit))
    for u, spec in enumerate(world.units.specs):
        members = np.flatnonzero(unit == u)
        if len(members) == 0:
            continue
        prefix, width, _ = naming.customer_id_style(spec.business_unit_id, world.profile.numeric_ids)
        top = int(world.customers.number[world.customers.unit == u].max())
        out[members] = naming.format_ids(prefix, top + offsets[members], width)
    return out


def _unknown_product_ids(world: World, size: int, rng: np.random.Generator) -> np.ndarray:
    """Product IDs in the product style whose numbers lie beyond every real product number."""
    prefix, width, _ = naming.product_id_style(world.profile.numeric_ids)
    top = int(world.products.number.max())
    return naming.format_ids(prefix, top + rng.integers(1_000, 90_000, size=size), width)


def _unparseable_dates(lines: LineBatch, rows: np.ndarray, world: World, rng: np.random.Generator) -> np.ndarray:
    """Order dates no ISO parser accepts (e.g. '2024-13-45', 'n/a')."""
    picks = rng.integers(0, len(UNPARSEABLE_TEMPLATES), size=len(rows))
    years = [world.timeline.iso_days[d][:4] for d in lines.order_day[rows].tolist()]
    return np.array([UNPARSEABLE_TEMPLATES[p].format(year=y) for p, y in zip(picks.tolist(), years)], dtype=object)


def _null(cols: Columns, column: str, rows: np.ndarray) -> None:
    """Null the given rows of a column (NaN for floats, None for strings)."""
    cols[column][rows] = np.nan if column in FLOAT_COLUMNS else None


def _apply_in_place(world: World, lines: LineBatch, cols: Columns, defect: str, rows: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """Apply one in-place defect to rows; returns the column name recorded for each row."""
    if defect == "outlier":
        # 100x the line, or 100x the product's typical line when the line is smaller than that, so an
        # injected outlier always stands out from the product's ordinary lines.
        typical = np.ceil(world.products.line_quantity[lines.product[rows]])
        cols["quantity"][rows] = np.maximum(cols["quantity"][rows], typical) * OUTLIER_FACTOR
        return np.full(len(rows), "quantity", dtype=object)
    if defect in ("missing_optional", "missing_required"):
        options = np.array(OPTIONAL_COLUMNS if defect == "missing_optional" else REQUIRED_COLUMNS, dtype=object)
        chosen = options[rng.integers(0, len(options), size=len(rows))]
        for column in options.tolist():
            _null(cols, column, rows[chosen == column])
        return chosen
    if defect == "unknown_customer":
        cols["customer_id"][rows] = _unknown_customer_ids(world, lines.unit[rows], rng)
        return np.full(len(rows), "customer_id", dtype=object)
    if defect == "unknown_product":
        cols["product_id"][rows] = _unknown_product_ids(world, len(rows), rng)
        return np.full(len(rows), "product_id", dtype=object)
    if defect == "unparseable_date":
        cols["order_date"][rows] = _unparseable_dates(lines, rows, world, rng)
        return np.full(len(rows), "order_date", dtype=object)
    raise ValueError(f"unknown in-place defect {defect!r}")


def _returns(world: World, lines: LineBatch, cols: Columns, sources: np.ndarray, state: DefectState,
             rng: np.random.Generator) -> Columns:
    """Return lines (negative quantity) of products the customer bought in ``sources`` lines."""
    ret: Columns = {name: values[sources].copy() for name, values in cols.items()}
    # 3-30 days after the purchase; near the end of the history, a random day of what is left.
    gap = rng.integers(3, 31, size=len(sources))
    room = world.timeline.last_day - lines.order_day[sources]
    squeezed = np.floor(rng.random(len(sources)) * (room + 1)).astype(np.int64)
    day = lines.order_day[sources] + np.where(gap <= room, gap, squeezed)
    order = np.lexsort((np.arange(len(sources)), day, lines.unit[sources]))
    sources, day = sources[order], day[order]
    ret = {name: values[order] for name, values in ret.items()}
    ret["order_id"] = assign_order_ids(world, lines.unit[sources], day, state.next_return_order, is_return=True)
    ret["order_line_number"] = np.ones(len(sources), dtype=np.int64)
    ret["order_date"] = world.timeline.iso(day)
    ret["requested_date"] = world.timeline.iso(day)
    ret["quantity"] = -np.floor(rng.random(len(sources)) * lines.quantity[sources] + 1).astype(np.float64)
    return ret


def inject_defects(world: World, lines: LineBatch, rates: dict[str, float], rng: np.random.Generator,
                   state: DefectState) -> tuple[Columns, Columns]:
    """(order_lines rows, defect records) of a month; every row carries at most one defect.

    Duplicate copies follow their original; return lines come after the month's lines.
    """
    cols = line_columns(world, lines)
    n = len(lines)
    perm = rng.permutation(n)
    records: list[tuple[np.ndarray, str, np.ndarray]] = []  # (index in the stacked rows, defect, column)
    cursor = 0
    for defect in IN_PLACE_DEFECTS:
        take = min(int(rng.binomial(n, rates[defect])), n - cursor)
        rows = np.sort(perm[cursor:cursor + take])
        cursor += take
        records.append((rows, defect, _apply_in_place(world, lines, cols, defect, rows, rng)))
    clean = np.sort(perm[cursor:])
    n_dup = min(len(clean), int(rng.binomial(n, rates["duplicate"])))
    duplicated = np.sort(rng.choice(clean, size=n_dup, replace=False))
    records.append((n + np.arange(n_dup), "duplicate", np.full(n_dup, None, dtype=object)))
    n_ret = min(len(clean), int(rng.binomial(n, rates["return"])))
    sources = np.sort(rng.choice(clean, size=n_ret, replace=False))
    returned = _returns(world, lines, cols, sources, state, rng)
    records.append((n + n_dup + np.arange(n_ret), "return", np.full(n_ret, "quantity", dtype=object)))

    position = np.concatenate([2 * np.arange(n), 2 * duplicated + 1, 2 * n + np.arange(n_ret)])
    order = np.argsort(position, kind="stable")
    rows = {name: np.concatenate([cols[name], cols[name][duplicated], returned[name]])[order] for name in cols}
    written_at = np.empty(len(order), dtype=np.int64)
    written_at[order] = np.arange(len(order))
    return rows, _records(rows, written_at, records)


def _records(rows: Columns, written_at: np.ndarray, records: list[tuple[np.ndarray, str, np.ndarray]]) -> Columns:
    """Defect records keyed by (unit, order, line), in the order of the written rows."""
    at = written_at[np.concatenate([r for r, _, _ in records])]
    defect = np.concatenate([np.full(len(r), d, dtype=object) for r, d, _ in records])
    column = np.concatenate([c for _, _, c in records])
    sort = np.argsort(at, kind="stable")
    at, defect, column = at[sort], defect[sort], column[sort]
    return {
        "business_unit_id": rows["business_unit_id"][at],
        "order_id": rows["order_id"][at],
        "order_line_number": rows["order_line_number"][at],
        "defect": defect,
        "column_name": column,
    }
