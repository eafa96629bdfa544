"""Reorder points and order-up-to levels of intermittent and lumpy items (doc block policy_safety_stock).

The normal formula lives in SQL (macro ``normal_safety_stock``); this module gives the quantiles of
lead-time demand that SQL cannot: Poisson, negative binomial (method of moments) and the empirical
quantile of the item's history. The dbt Python model ``int_item_demand_quantiles`` calls
:func:`item_demand_quantiles`; pytest calls the small functions directly.

A quantile here is the smallest whole quantity k with P(demand <= k) >= the cycle service level,
which is what scipy's ``ppf`` of a discrete distribution returns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

COUNT_METHODS = ("poisson", "negative_binomial")
QUANTILE_METHODS = (*COUNT_METHODS, "empirical_quantile")


def _check_level(service_level: float) -> None:
    if not 0.0 < service_level < 1.0:
        raise ValueError(f"cycle service level must lie strictly between 0 and 1, got {service_level!r}")


def poisson_quantile(mean: float, service_level: float) -> float:
    """Smallest k with Poisson(mean) CDF(k) >= service_level."""
    _check_level(service_level)
    if mean < 0:
        raise ValueError(f"Poisson mean must not be negative, got {mean!r}")
    if mean == 0:
        return 0.0
    return float(stats.poisson.ppf(service_level, mean))


def negative_binomial_parameters(mean: float, variance: float) -> tuple[float, float]:
    """Method-of-moments (n, p) of a negative binomial with this mean and variance (variance > mean > 0).

    scipy's nbinom(n, p) has mean n(1-p)/p and variance n(1-p)/p^2, so p = mean / variance and
    n = mean^2 / (variance - mean).
    """
    if not mean > 0 or not variance > mean:
        raise ValueError(
            f"negative binomial needs variance > mean > 0, got mean {mean!r} and variance {variance!r};"
            " use the Poisson quantile when variance <= mean"
        )
    return mean * mean / (variance - mean), mean / variance


def negative_binomial_quantile(mean: float, variance: float, service_level: float) -> float:
    """Smallest k with NB CDF(k) >= service_level, the NB fitted to mean and variance by moments."""
    _check_level(service_level)
    n, p = negative_binomial_parameters(mean, variance)
    return float(stats.nbinom.ppf(service_level, n, p))


def window_sums(series: np.ndarray, periods: int) -> np.ndarray:
    """Sums of demand over every run of ``periods`` consecutive periods; runs touching a NaN are left out."""
    if periods < 1:
        raise ValueError(f"a window covers at least one period, got {periods!r}")
    values = np.asarray(series, dtype=float)
    if values.size < periods:
        return np.empty(0)
    runs = np.lib.stride_tricks.sliding_window_view(values, periods)
    sums = runs.sum(axis=1)
    return sums[~np.isnan(sums)]


def empirical_quantile(sums: np.ndarray, service_level: float) -> float:
    """Smallest observed sum whose empirical CDF reaches service_level (inverted CDF)."""
    _check_level(service_level)
    if len(sums) == 0:
        raise ValueError("empirical quantile of an empty history")
    return float(np.quantile(np.asarray(sums, dtype=float), service_level, method="inverted_cdf"))


def periods_covered(periods: float) -> int:
    """Whole periods a lead time (or lead time plus review period) of ``periods`` periods spans."""
    return max(1, math.ceil(round(periods, 9)))


def lead_time_demand_quantile(
    method: str,
    mean: float,
    variance: float,
    service_level: float,
    history: np.ndarray | None = None,
    periods: float | None = None,
) -> float:
    """Quantile of demand over a horizon by ``method``.

    ``mean`` and ``variance`` are the moments of demand over the horizon (poisson uses the mean only);
    ``history`` (demand per period, NaN = left out) and ``periods`` (horizon length in periods) are
    needed for empirical_quantile.
    """
    if method == "poisson":
        return poisson_quantile(mean, service_level)
    if method == "negative_binomial":
        return negative_binomial_quantile(mean, variance, service_level)
    if method == "empirical_quantile":
        if history is None or periods is None:
            raise ValueError("empirical_quantile needs the demand history and the horizon in periods")
        return empirical_quantile(window_sums(history, periods_covered(periods)), service_level)
    raise ValueError(f"unknown safety stock method {method!r}; expected one of {', '.join(QUANTILE_METHODS)}")


def fallback_count_method(mean: float, variance: float) -> str:
    """Count model for an item whose history has no complete window: NB when over-dispersed, else Poisson."""
    return "negative_binomial" if mean > 0 and variance > mean else "poisson"


ITEM_COLUMNS = (
    "product_id",
    "plant_id",
    "safety_stock_method",
    "target_cycle_service_level",
    "lead_time_periods",
    "lead_time_review_periods",
    "lead_time_demand_mean",
    "lead_time_demand_variance",
    "lead_time_review_demand_mean",
    "lead_time_review_demand_variance",
)
HISTORY_COLUMNS = ("product_id", "plant_id", "window_period_number", "demand_quantity_for_estimate")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}; it must have {list(columns)}")


def item_demand_quantiles(items: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Reorder point and order-up-to quantile of every item whose method is a quantile method.

    items: one row per product_id x plant_id with ITEM_COLUMNS (method chosen in SQL).
    history: demand per item and period (HISTORY_COLUMNS; NaN = a censored period left out).
    Returns product_id, plant_id, safety_stock_method, reorder_point_quantile, order_up_to_quantile,
    history_window_count, sorted by product_id, plant_id.
    """
    _require(items, ITEM_COLUMNS, "items")
    _require(history, HISTORY_COLUMNS, "history")
    chosen = items[items["safety_stock_method"].isin(QUANTILE_METHODS)].sort_values(["product_id", "plant_id"])
    # Only the chosen items' history is needed (a few percent of all items).
    wanted = history.merge(chosen[["product_id", "plant_id"]], on=["product_id", "plant_id"], how="inner")
    ordered = wanted.sort_values(["product_id", "plant_id", "window_period_number"])
    series = {
        key: group["demand_quantity_for_estimate"].to_numpy(dtype=float)
        for key, group in ordered.groupby(["product_id", "plant_id"], sort=False)
    }
    rows = []
    for item in chosen.itertuples(index=False):
        method = str(item.safety_stock_method)
        level = float(item.target_cycle_service_level)
        item_history = series.get((item.product_id, item.plant_id), np.empty(0))
        windows = len(window_sums(item_history, periods_covered(float(item.lead_time_periods))))
        if method == "empirical_quantile" and len(
            window_sums(item_history, periods_covered(float(item.lead_time_review_periods)))
        ) == 0:
            method = fallback_count_method(float(item.lead_time_demand_mean), float(item.lead_time_demand_variance))
        reorder_point = lead_time_demand_quantile(
            method,
            float(item.lead_time_demand_mean),
            float(item.lead_time_demand_variance),
            level,
            item_history,
            float(item.lead_time_periods),
        )
        order_up_to = lead_time_demand_quantile(
            method,
            float(item.lead_time_review_demand_mean),
            float(item.lead_time_review_demand_variance),
            level,
            item_history,
            float(item.lead_time_review_periods),
        )
        rows.append(
            {
                "product_id": item.product_id,
                "plant_id": item.plant_id,
                "safety_stock_method": method,
                "reorder_point_quantile": reorder_point,
                "order_up_to_quantile": order_up_to,
                "history_window_count": windows,
            }
        )
    columns = [
        "product_id",
        "plant_id",
        "safety_stock_method",
        "reorder_point_quantile",
        "order_up_to_quantile",
        "history_window_count",
    ]
    result = pd.DataFrame(rows, columns=columns)
    return result.astype(
        {
            "product_id": "string",
            "plant_id": "string",
            "safety_stock_method": "string",
            "reorder_point_quantile": "float64",
            "order_up_to_quantile": "float64",
            "history_window_count": "int64",
        }
    )
