"""Oracle for the item policy formulas (docs/policies.md), written from the textbook definitions with scipy.

Independent of the product: it does not import supplyseg.policy and does not read any model's formula.
Units: demand per period, lead time and review period in days converted with the period length in days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Levels:
    safety_stock: float
    reorder_point: float
    order_up_to: float


def normal_levels(
    demand_mean: float,
    demand_std: float,
    lead_time_days: float,
    lead_time_std_days: float,
    review_days: float,
    period_days: float,
    service_level: float,
) -> Levels:
    """SS = z sqrt(L sd^2 + d^2 sL^2); ROP = d L + SS; S = d (L+R) + z sqrt((L+R) sd^2 + d^2 sL^2)."""
    z = stats.norm.ppf(service_level)
    lead = lead_time_days / period_days
    lead_std = lead_time_std_days / period_days
    review = review_days / period_days
    safety = z * math.sqrt(lead * demand_std**2 + demand_mean**2 * lead_std**2)
    cover = z * math.sqrt((lead + review) * demand_std**2 + demand_mean**2 * lead_std**2)
    return Levels(safety, demand_mean * lead + safety, demand_mean * (lead + review) + cover)


def count_quantile(method: str, mean: float, variance: float, service_level: float) -> float:
    """Smallest k with CDF(k) >= service level: Poisson(mean) or the moment-matched negative binomial."""
    if method == "poisson":
        return float(stats.poisson.ppf(service_level, mean))
    if method == "negative_binomial":
        n = mean**2 / (variance - mean)
        p = mean / variance
        return float(stats.nbinom.ppf(service_level, n, p))
    raise ValueError(method)


def empirical_quantile(history: list[float], periods: float, service_level: float) -> float:
    """Smallest sum over ceil(periods) consecutive periods (windows touching a gap left out) whose share of
    windows at or below it reaches the service level."""
    width = max(1, math.ceil(round(periods, 9)))
    sums = sorted(
        sum(history[start : start + width])
        for start in range(len(history) - width + 1)
        if not any(np.isnan(history[start : start + width]))
    )
    rank = math.ceil(service_level * len(sums) - 1e-12)
    return float(sums[max(rank, 1) - 1])


def eoq(order_cost: float, annual_demand: float, annual_holding_cost: float) -> float:
    return math.sqrt(2 * order_cost * annual_demand / annual_holding_cost)


def lot_size(eoq_quantity: float, moq_quantity: float, pack_size: float, coverage_cap: float = math.inf) -> float:
    """The EOQ capped at coverage_cap units (var policy_max_lot_coverage_periods x demand), or the MOQ if larger,
    rounded up to whole packs."""
    return math.ceil(round(max(min(eoq_quantity, coverage_cap), moq_quantity) / pack_size, 9)) * pack_size


# --- Demand and lead time of items, from the raw files (docs/policies.md) -----------------------------------


def item_demand_history(raw_path, values: dict):
    """Demand per item (product x plant) and analysis period from the raw files: lines that count in
    variability measures, history from the item's first period with demand (first line when none) to the
    window end, zeros filled; items with a sales line in the window only; is_stockout_period when a raw
    inventory snapshot dated in the period shows zero or less on hand for the product at the plant."""
    import pandas as pd

    from reference.order_lines import consolidated_order_lines
    from reference.periods import analysis_periods, lines_in_window
    from reference.raw_inputs import read_entity

    periods = analysis_periods(values, raw_path)
    lines = lines_in_window(consolidated_order_lines(raw_path, values), periods)
    lines["demand"] = lines["quantity"].where(lines["counts_in_variability"], 0.0)
    by_period = lines.groupby(["product_id", "plant_id", "window_period_number"], as_index=False).agg(
        demand_quantity=("demand", "sum"), sales_lines=("is_return", lambda s: int((~s).sum())))
    sold = by_period.groupby(["product_id", "plant_id"])["sales_lines"].sum()
    positive = by_period[by_period["demand_quantity"] > 0].groupby(["product_id", "plant_id"])[
        "window_period_number"].min()
    first_line = by_period.groupby(["product_id", "plant_id"])["window_period_number"].min()
    starts = positive.reindex(first_line.index).fillna(first_line).astype(int)
    starts = starts[sold.reindex(starts.index) > 0]
    last = int(periods["window_period_number"].max())
    rows = [(product, plant, number) for (product, plant), start in starts.items() for number in range(start, last + 1)]
    history = pd.DataFrame(rows, columns=["product_id", "plant_id", "window_period_number"])
    history = history.merge(by_period[["product_id", "plant_id", "window_period_number", "demand_quantity"]],
                            how="left", on=["product_id", "plant_id", "window_period_number"])
    history["demand_quantity"] = history["demand_quantity"].fillna(0.0)

    snapshots = read_entity(raw_path, "inventory_snapshots")
    snapshots = snapshots[snapshots["rejection_reason"].isna()]
    history["is_stockout_period"] = False
    if len(snapshots):
        snaps = pd.DataFrame({
            "product_id": snapshots["product_id"], "plant_id": snapshots["plant_id"],
            "snapshot_date": pd.to_datetime(snapshots["snapshot_date"]),
            "on_hand": pd.to_numeric(snapshots["on_hand_quantity"]),
        })
        snaps = lines_in_window(snaps.rename(columns={"snapshot_date": "order_date"}), periods)
        out = snaps[snaps["on_hand"] <= 0][["product_id", "plant_id", "window_period_number"]].drop_duplicates()
        out["is_out"] = True
        history = history.merge(out, how="left", on=["product_id", "plant_id", "window_period_number"])
        history["is_stockout_period"] = history["is_out"].fillna(False).astype(bool)
        history = history.drop(columns="is_out")
    return history


def item_demand_statistics(history, rule: str):
    """Per item: naive mean/std (every period, sample std) and the stock-out-aware mean/std by ``rule``:
    exclude (censored periods left out unless all are), correct (censored periods raised to the mean of the
    uncensored ones), ignore."""
    import pandas as pd

    def one(group: pd.DataFrame) -> pd.Series:
        demand = group["demand_quantity"].to_numpy(dtype=float)
        censored = group["is_stockout_period"].to_numpy(dtype=bool)
        used = demand
        if rule in ("exclude", "correct") and censored.any() and not censored.all():
            clean_mean = demand[~censored].mean()
            used = demand[~censored] if rule == "exclude" else np.where(censored, np.maximum(demand, clean_mean), demand)
        return pd.Series({
            "naive_mean": demand.mean(),
            "naive_std": demand.std(ddof=1) if len(demand) > 1 else 0.0,
            "mean": used.mean(),
            "std": used.std(ddof=1) if len(used) > 1 else 0.0,
            "stockout_periods": int(censored.sum()),
            "periods": len(demand),
        })

    return history.groupby(["product_id", "plant_id"]).apply(one, include_groups=False)
