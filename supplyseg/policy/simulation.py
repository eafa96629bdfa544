"""Policy what-if: replay recorded demand against two sets of stocking parameters (docs/sandboxes.md).

Each item (a product at a plant) is simulated period by period over the replayed demand with the
parameters of ``fct_item_policy_parameters``: reorder point ``s``, order-up-to level ``S``, lot size
``Q``, review period ``R`` and lead time ``L``. The arrays run over items, the loop over periods only,
so one call simulates every item at once (numpy). The rules, also written out in docs/sandboxes.md
(doc block ``policy_simulation``):

* Time step: one demand period (var ``demand_period``). ``L`` and ``R`` are the parameters'
  ``lead_time_periods`` and ``review_periods`` rounded to whole periods (half up); ``R`` is at least 1.
* Initial stock: an item starts its first replayed period with ``S`` on hand and nothing on order.
  An item whose demand history starts inside the replay starts in that period.
* Within period ``t``: (1) orders due arrive; (2) the period's demand is served from stock on hand;
  (3) the end-of-period stock on hand is valued at the item's unit value; (4) at the end of every R-th
  period of the item a review: when the inventory position (on hand minus backorders plus on order)
  is at or below ``s`` and below ``S``, the smallest whole number of lots (at least one) that lifts it
  to ``S`` or above is ordered (without a lot size, exactly ``S`` minus the position).
* An order placed at the end of period ``t`` arrives at the end of period ``t + L`` and serves
  demand from period ``t + L + 1``. Lead times are the item's mean; their variability is not replayed.
* Lost sales (default): demand not served from stock is lost. Backorders (``backorders=True``): it is
  served first from later receipts, and counts as not filled in the period it occurred.
* Items the policy does not stock (``safety_stock_method = no_stock``: make or assemble to order)
  are not simulated; they are counted apart.

Measures per item: demand and demand filled from stock in the period it occurred (fill rate =
filled / demand), stock-out periods (periods with demand not filled in full) and the sum over
periods of the end-of-period stock value (divided by the number of replayed periods for the average).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[str], None]

ITEM_KEY = ("product_id", "plant_id")
PARAMETER_COLUMNS = (
    "reorder_point_quantity",
    "order_up_to_quantity",
    "lot_size_quantity",
    "review_periods",
    "lead_time_periods",
    "unit_value_rep_ccy",
    "safety_stock_method",
)
NOT_STOCKED_METHOD = "no_stock"
PROGRESS_ABOVE_ITEM_PERIODS = 5_000_000  # report every tenth of the periods above this many item-periods


def whole_periods(periods: npt.ArrayLike, minimum: int) -> IntArray:
    """Periods rounded half up to whole periods, at least ``minimum``."""
    values = np.asarray(periods, dtype=np.float64)
    if np.isnan(values).any() or (values < 0).any():
        raise ValueError("lead times and review periods must be known and not negative")
    return np.maximum(np.floor(values + 0.5), minimum).astype(np.int64)


@dataclass(frozen=True)
class ReplenishmentPolicy:
    """Stocking parameters of n items, one array entry per item (the same order as the demand rows)."""

    reorder_point: FloatArray
    order_up_to: FloatArray
    lot_size: FloatArray
    review_periods: IntArray
    lead_time_periods: IntArray
    unit_value: FloatArray
    is_stocked: BoolArray

    def __post_init__(self) -> None:
        size = len(self.is_stocked)
        for name in ("reorder_point", "order_up_to", "lot_size", "review_periods", "lead_time_periods", "unit_value"):
            values = getattr(self, name)
            if values.shape != (size,):
                raise ValueError(f"{name} has shape {values.shape}, expected ({size},) like is_stocked")
            stocked = values[self.is_stocked]
            if np.isnan(stocked.astype(np.float64)).any() or (stocked < 0).any():
                raise ValueError(f"{name} must be known and not negative for every stocked item")
        if (self.review_periods[self.is_stocked] < 1).any():
            raise ValueError("review_periods must be at least 1 period")

    @property
    def size(self) -> int:
        return len(self.is_stocked)


@dataclass(frozen=True)
class SimulationResult:
    """Per item and period (items x periods) outcomes of one replay."""

    demand: FloatArray
    filled: FloatArray
    on_hand_end: FloatArray
    ordered: FloatArray
    active: BoolArray
    is_stocked: BoolArray
    unit_value: FloatArray

    @property
    def periods(self) -> int:
        return self.demand.shape[1]

    @property
    def stockout(self) -> BoolArray:
        """Periods in which some demand of a stocked item was not filled from stock on hand."""
        return (self.filled < self.demand) & self.is_stocked[:, None]

    def by_item(self) -> pd.DataFrame:
        """One row per item: demand, filled, stock-out periods, active periods, stock value summed over periods."""
        return pd.DataFrame(
            {
                "is_stocked": self.is_stocked,
                "active_periods": self.active.sum(axis=1),
                "demand_quantity": self.demand.sum(axis=1),
                "filled_quantity": self.filled.sum(axis=1),
                "stockout_periods": self.stockout.sum(axis=1),
                "inventory_value_period_sum": (self.on_hand_end * self.unit_value[:, None]).sum(axis=1),
            }
        )


def simulate(
    demand: npt.ArrayLike,
    policy: ReplenishmentPolicy,
    *,
    backorders: bool = False,
    progress: Progress | None = None,
) -> SimulationResult:
    """Replay ``demand`` (items x periods; NaN before an item's first period) against ``policy``.

    Vectorised over items; the only loop runs over the periods. See the module docstring for the rules.
    """
    matrix = np.asarray(demand, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != policy.size:
        raise ValueError(f"demand must be items x periods with {policy.size} items, got shape {matrix.shape}")
    active = ~np.isnan(matrix)
    started = np.cumsum(active, axis=1) > 0
    if (started & ~active).any():
        raise ValueError("demand has a gap (NaN) after an item's first period; fill periods without demand with 0")
    if (matrix[active] < 0).any():
        raise ValueError("demand must not be negative (returns are not demand)")
    items, periods = matrix.shape
    stocked = policy.is_stocked
    first_period = np.where(active.any(axis=1), active.argmax(axis=1), periods)
    rows = np.arange(items)
    # Receipts due at the start of each period; orders arriving after the replay stay on order.
    arrivals = np.zeros((items, periods + 1), dtype=np.float64)
    net = np.zeros(items, dtype=np.float64)  # on hand minus backorders
    on_order = np.zeros(items, dtype=np.float64)
    filled = np.zeros((items, periods), dtype=np.float64)
    on_hand_end = np.zeros((items, periods), dtype=np.float64)
    ordered = np.zeros((items, periods), dtype=np.float64)
    demand_zeroed = np.where(active, matrix, 0.0)
    step = max(periods // 10, 1)
    chatty = progress is not None and items * periods >= PROGRESS_ABOVE_ITEM_PERIODS
    for t in range(periods):
        if chatty and progress is not None and (t % step == 0 or t == periods - 1):
            progress(f"    period {t + 1}/{periods} ({items:,} items)")
        starting = (first_period == t) & stocked
        net[starting] = policy.order_up_to[starting]
        net += arrivals[:, t]
        on_order -= arrivals[:, t]
        wanted = np.where(stocked, demand_zeroed[:, t], 0.0)
        served = np.minimum(wanted, np.maximum(net, 0.0))
        net -= wanted if backorders else served
        filled[:, t] = served
        on_hand_end[:, t] = np.where(active[:, t], np.maximum(net, 0.0), 0.0)
        age = t - first_period
        review = stocked & active[:, t] & (age % policy.review_periods == policy.review_periods - 1)
        position = net + on_order
        reorder = review & (position <= policy.reorder_point) & (position < policy.order_up_to)
        shortfall = policy.order_up_to - position
        has_lots = policy.lot_size > 0
        lots = np.ones(items, dtype=np.float64)
        np.divide(shortfall, policy.lot_size, out=lots, where=has_lots)
        lots = np.maximum(np.ceil(lots), 1.0)
        quantity = np.where(has_lots, lots * policy.lot_size, shortfall)
        quantity = np.where(reorder, quantity, 0.0)
        ordered[:, t] = quantity
        on_order += quantity
        due = np.minimum(t + policy.lead_time_periods + 1, periods)
        arrivals[rows, due] += quantity
    return SimulationResult(
        demand=demand_zeroed,
        filled=filled,
        on_hand_end=on_hand_end,
        ordered=ordered,
        active=active,
        is_stocked=stocked.copy(),
        unit_value=np.nan_to_num(policy.unit_value, nan=0.0),
    )


# ---------------------------------------------------------------------------------------------------
# From the project's tables to arrays and back


def demand_matrix(demand: pd.DataFrame, items: pd.DataFrame) -> tuple[FloatArray, int]:
    """Items x periods demand from long rows (product_id, plant_id, replay_period_number 1..N, demand_quantity).

    ``items`` gives the row order (product_id, plant_id). Periods an item has no row for are NaN (before
    its history starts). Returns the matrix and N, the number of replayed periods.
    """
    missing = [column for column in (*ITEM_KEY, "replay_period_number", "demand_quantity") if column not in demand]
    if missing:
        raise ValueError(f"demand rows lack column(s) {missing}")
    periods = int(demand["replay_period_number"].max()) if len(demand) else 0
    if periods < 1:
        raise ValueError("no demand periods to replay")
    wide = demand.pivot_table(
        index=list(ITEM_KEY), columns="replay_period_number", values="demand_quantity", aggfunc="sum"
    ).reindex(columns=range(1, periods + 1))
    ordered = wide.reindex(pd.MultiIndex.from_frame(items[list(ITEM_KEY)]))
    return ordered.to_numpy(dtype=np.float64), periods


def policy_from_parameters(parameters: pd.DataFrame) -> ReplenishmentPolicy:
    """A ReplenishmentPolicy from rows of fct_item_policy_parameters (in their order)."""
    missing = [column for column in PARAMETER_COLUMNS if column not in parameters]
    if missing:
        raise ValueError(f"policy parameters lack column(s) {missing}")
    stocked = (parameters["safety_stock_method"].fillna(NOT_STOCKED_METHOD) != NOT_STOCKED_METHOD).to_numpy()
    incomplete = parameters.loc[
        stocked
        & parameters[["reorder_point_quantity", "order_up_to_quantity", "review_periods", "lead_time_periods"]]
        .isna()
        .any(axis=1)
        .to_numpy()
    ]
    if len(incomplete):
        first = incomplete.iloc[0]
        raise ValueError(
            f"{len(incomplete)} stocked item(s) lack a reorder point, order-up-to level, review period or lead"
            f" time, e.g. product {first.get('product_id')} at plant {first.get('plant_id')}"
        )

    def column(name: str) -> FloatArray:
        return np.where(stocked, parameters[name].to_numpy(dtype=np.float64, na_value=np.nan), 0.0)

    return ReplenishmentPolicy(
        reorder_point=column("reorder_point_quantity"),
        order_up_to=column("order_up_to_quantity"),
        lot_size=np.nan_to_num(column("lot_size_quantity"), nan=0.0),
        review_periods=whole_periods(np.where(stocked, column("review_periods"), 1.0), minimum=1),
        lead_time_periods=whole_periods(np.where(stocked, column("lead_time_periods"), 0.0), minimum=0),
        unit_value=np.nan_to_num(column("unit_value_rep_ccy"), nan=0.0),
        is_stocked=stocked,
    )


SIDES = ("sandbox", "production")
SEGMENT_COLUMNS = (
    "segment_code",
    "items",
    "items_policy_changed",
    "sandbox_stocked_items",
    "production_stocked_items",
    "sandbox_fill_rate",
    "production_fill_rate",
    "fill_rate_change",
    "sandbox_stockout_periods",
    "production_stockout_periods",
    "sandbox_avg_inventory_value_rep_ccy",
    "production_avg_inventory_value_rep_ccy",
    "avg_inventory_value_change_rep_ccy",
)
TOTAL_SEGMENT = "ALL"


def compare_policies(
    demand: pd.DataFrame,
    sandbox_parameters: pd.DataFrame,
    production_parameters: pd.DataFrame,
    *,
    backorders: bool = False,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replay the same demand against the sandbox's and production's parameters.

    Items are the sandbox's items that production also has (product_id, plant_id), grouped by the
    sandbox's ``final_segment_code``. Returns (one row per item, one row per segment plus ``ALL``).
    """
    say = progress or (lambda _message: None)
    key = list(ITEM_KEY)
    for name, frame in (("sandbox", sandbox_parameters), ("production", production_parameters)):
        duplicated = frame.duplicated(key)
        if duplicated.any():
            raise ValueError(f"{name} parameters list {int(duplicated.sum())} item(s) twice")
    items = sandbox_parameters[[*key, "final_segment_code"]].merge(
        production_parameters[key], on=key, how="inner"
    ).sort_values(key, ignore_index=True)
    if items.empty:
        raise ValueError("the sandbox and production have no item (product x plant) in common")
    matrix, periods = demand_matrix(demand, items)
    by_item = items.rename(columns={"final_segment_code": "segment_code"})
    by_item["replayed_periods"] = periods
    aligned_frames: dict[str, pd.DataFrame] = {}
    for side, frame in (("sandbox", sandbox_parameters), ("production", production_parameters)):
        aligned = items[key].merge(frame, on=key, how="left")
        policy = policy_from_parameters(aligned)
        say(f"  simulating {side}: {periods} periods x {policy.size:,} items ({int(policy.is_stocked.sum()):,} stocked)")
        outcome = simulate(matrix, policy, backorders=backorders, progress=progress).by_item()
        for column in outcome.columns:
            by_item[f"{side}_{column}"] = outcome[column].to_numpy()
        aligned_frames[side] = aligned
    by_item["is_policy_changed"] = _differs(aligned_frames["sandbox"], aligned_frames["production"])
    return by_item, summarise_by_segment(by_item)


def _differs(left: pd.DataFrame, right: pd.DataFrame) -> BoolArray:
    """Items whose simulated parameters differ between two aligned parameter frames (null equals null)."""
    changed = np.zeros(len(left), dtype=bool)
    for column in PARAMETER_COLUMNS:
        a, b = left[column], right[column]
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy(dtype=bool)
        changed |= ~same
    return changed


def _side_measures(group: pd.DataFrame, side: str, periods: int) -> dict[str, float | int]:
    stocked = group[group[f"{side}_is_stocked"]]
    demand = float(stocked[f"{side}_demand_quantity"].sum())
    return {
        f"{side}_stocked_items": len(stocked),
        f"{side}_fill_rate": float(stocked[f"{side}_filled_quantity"].sum()) / demand if demand > 0 else np.nan,
        f"{side}_stockout_periods": int(stocked[f"{side}_stockout_periods"].sum()),
        f"{side}_avg_inventory_value_rep_ccy": float(stocked[f"{side}_inventory_value_period_sum"].sum()) / periods,
    }


def summarise_by_segment(by_item: pd.DataFrame) -> pd.DataFrame:
    """Per segment (and ``ALL``): items, fill rate, stock-out periods and average stock value, both sides."""
    periods = int(by_item["replayed_periods"].iloc[0])
    rows: list[dict[str, object]] = []
    groups = [(code, group) for code, group in by_item.groupby("segment_code", sort=True, dropna=False)]
    groups.append((TOTAL_SEGMENT, by_item))
    for code, group in groups:
        row: dict[str, object] = {
            "segment_code": code,
            "items": len(group),
            "items_policy_changed": int(group["is_policy_changed"].sum()),
        }
        for side in SIDES:
            row.update(_side_measures(group, side, periods))
        row["fill_rate_change"] = row["sandbox_fill_rate"] - row["production_fill_rate"]  # type: ignore[operator]
        row["avg_inventory_value_change_rep_ccy"] = (
            row["sandbox_avg_inventory_value_rep_ccy"] - row["production_avg_inventory_value_rep_ccy"]  # type: ignore[operator]
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))


def format_segment_table(table: pd.DataFrame) -> str:
    """The per-segment comparison as a fixed-width text table."""

    def percent(value: object) -> str:
        return "-" if pd.isna(value) else f"{100 * float(value):6.2f}%"

    lines = [
        f"{'segment':<8} {'items':>6} {'changed':>7} | {'fill rate':>17} {'change':>8} |"
        f" {'stock-out periods':>17} | {'avg inventory value':>27}",
        f"{'':<8} {'':>6} {'':>7} | {'sandbox':>8} {'prod':>8} {'':>8} | {'sandbox':>8} {'prod':>8} |"
        f" {'sandbox':>13} {'prod':>13}",
    ]
    for row in table.itertuples(index=False):
        change = "-" if pd.isna(row.fill_rate_change) else f"{100 * row.fill_rate_change:+7.2f}"
        lines.append(
            f"{row.segment_code!s:<8} {row.items:>6} {row.items_policy_changed:>7} |"
            f" {percent(row.sandbox_fill_rate):>8} {percent(row.production_fill_rate):>8} {change:>8} |"
            f" {row.sandbox_stockout_periods:>8} {row.production_stockout_periods:>8} |"
            f" {row.sandbox_avg_inventory_value_rep_ccy:>13,.0f} {row.production_avg_inventory_value_rep_ccy:>13,.0f}"
        )
    return "\n".join(lines)
