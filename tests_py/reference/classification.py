"""Independent reference implementation of ABC, XYZ and demand-pattern classification (pandas + numpy).

Written from the rules in the docs, not from the SQL, so the end-to-end tests can compare the dbt
models with a second implementation:

* ``docs/classification_rules.md``, doc block ``abc_classification``: ranking by the grain's measure
  (seed ``abc_measures``, fallback when any entity lacks it), ties by ``entity_id``, cumulative share
  of the positive total, both boundary conventions, non-positive contributors in the last class.
* ``docs/xyz_and_demand_patterns.md``, doc blocks ``demand_patterns`` and ``xyz_classification``:
  zero-filled demand series, lifecycle status (``no_demand``, ``phased_out``, ``new``, ``active``),
  the series bounds of the three ADI conventions (``whole_window``, ``from_first_demand``,
  ``between_demands``), demand normalised by period length, ADI, CV, CV² of non-zero demand,
  population / sample deviation, time decay, the ``no_demand`` and ``new`` rules, the SBC quadrant,
  cut-offs on the higher side.

Inputs are plain DataFrames: consolidated order lines (columns named as in
``int_order_lines_consolidated``), the analysis periods (``window_period_number``,
``period_start_date``, ``period_end_date``, and their lengths in days) and the seeds as read from
their CSV files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# How an order line maps to the entity of each grain (doc block segmentation_entity_id).
GRAIN_ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("segment_customer_id",),
    "product": ("product_id",),
    "channel": ("channel",),
    "customer_product": ("segment_customer_id", "product_id"),
    "account_plant": ("logistics_unit", "plant_id"),
}
ENTITY_ID_SEPARATOR = " | "
# A value within this distance of an XYZ limit or SBC cut-off counts as on it (docs: floating point).
CUTOFF_TOLERANCE = 1e-9
ABC_MEASURES: tuple[str, ...] = ("revenue", "gross_margin", "volume", "order_lines")
PATTERNS: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy", "new", "no_demand")
LIFECYCLE_STATUSES: tuple[str, ...] = ("active", "new", "phased_out", "no_demand")
ADI_WINDOWS: tuple[str, ...] = ("between_demands", "from_first_demand", "whole_window")


@dataclass(frozen=True)
class LineRules:
    """Which lines count in value and in variability measures (vars returns_handling, outlier_exclude_*)."""

    returns_handling: str = "separate"
    outlier_exclude_from_value: bool = False
    outlier_exclude_from_variability: bool = True


@dataclass(frozen=True)
class VariabilityConventions:
    """The vars that shape XYZ and demand patterns (defaults as in dbt_project.yml)."""

    adi_window: str = "between_demands"
    cv_deviation: str = "population"
    min_history_periods: int = 6
    new_entity_provisional_xyz_class: str = "Z"
    decay_half_life_periods: float | None = None
    phased_out_after_periods: int = 12
    normalise_demand_by_period_length: bool = True

    def __post_init__(self) -> None:
        if self.adi_window not in ADI_WINDOWS:
            raise ValueError(f"adi_window={self.adi_window!r}: use one of {', '.join(ADI_WINDOWS)}")
        if isinstance(self.phased_out_after_periods, bool) or int(self.phased_out_after_periods) < 1:
            raise ValueError(f"phased_out_after_periods={self.phased_out_after_periods!r}: use a whole number >= 1")
        if not isinstance(self.normalise_demand_by_period_length, bool):
            raise ValueError(
                f"normalise_demand_by_period_length={self.normalise_demand_by_period_length!r}: use True or False")
        if self.cv_deviation not in ("population", "sample"):
            raise ValueError(f"cv_deviation={self.cv_deviation!r}: use 'population' or 'sample'")
        if self.decay_half_life_periods is not None and self.decay_half_life_periods <= 0:
            raise ValueError(f"decay_half_life_periods={self.decay_half_life_periods!r}: use a positive number or None")


# --- Lines, entities and periods ---------------------------------------------------------------

def entity_ids(lines: pd.DataFrame, grain: str) -> pd.Series:
    """The entity id of every line at ``grain``: one column, or two joined by ' | '."""
    if grain not in GRAIN_ENTITY_COLUMNS:
        raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAIN_ENTITY_COLUMNS)}")
    columns = GRAIN_ENTITY_COLUMNS[grain]
    missing = [c for c in columns if c not in lines.columns]
    if missing:
        raise KeyError(f"order lines lack column(s) {missing} needed for grain {grain!r}")
    ids = lines[columns[0]].astype("string")
    for column in columns[1:]:
        ids = ids + ENTITY_ID_SEPARATOR + lines[column].astype("string")
    return ids


def counts_in_measure(lines: pd.DataFrame, family: str, rules: LineRules) -> pd.Series:
    """Whether each line counts in 'value' (ABC) or 'variability' (XYZ, patterns) measures.

    Returns are left out unless returns are netted; flagged outliers are left out when the family's
    outlier_exclude flag is set.
    """
    if family not in ("value", "variability"):
        raise ValueError(f"family={family!r}: use 'value' or 'variability'")
    if rules.returns_handling not in ("separate", "net"):
        raise ValueError(f"returns_handling={rules.returns_handling!r}: use 'separate' or 'net'")
    keep = pd.Series(True, index=lines.index)
    if rules.returns_handling == "separate":
        keep &= ~lines["is_return"].astype(bool)
    exclude = rules.outlier_exclude_from_value if family == "value" else rules.outlier_exclude_from_variability
    if exclude:
        keep &= ~lines["is_outlier"].astype(bool)
    return keep


def lines_in_window(lines: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """The lines whose order_date falls in an analysis period, with that period's window_period_number."""
    bounds = periods[["window_period_number", "period_start_date", "period_end_date"]].copy()
    bounds["period_start_date"] = pd.to_datetime(bounds["period_start_date"])
    bounds["period_end_date"] = pd.to_datetime(bounds["period_end_date"])
    bounds = bounds.sort_values("period_start_date")
    frame = lines.copy()
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["_row"] = np.arange(len(frame))
    matched = pd.merge_asof(
        frame.sort_values("order_date"), bounds, left_on="order_date", right_on="period_start_date",
        direction="backward",
    )
    inside = matched["window_period_number"].notna() & (matched["order_date"] <= matched["period_end_date"])
    result = matched[inside].sort_values("_row").drop(columns=["_row", "period_start_date", "period_end_date"])
    result["window_period_number"] = result["window_period_number"].astype("int64")
    return result.reset_index(drop=True)


# --- ABC -----------------------------------------------------------------------------------------

def abc_measure_values(window_lines: pd.DataFrame, grain: str, rules: LineRules) -> pd.DataFrame:
    """Per entity of the grain (every entity with a line in the window): revenue, gross_margin, volume,
    order_lines over the lines that count in value measures. gross_margin is NaN when any such line
    of the entity has no known margin (no cost)."""
    frame = pd.DataFrame({
        "entity_id": entity_ids(window_lines, grain),
        "counts": counts_in_measure(window_lines, "value", rules),
        "revenue": window_lines["revenue_rep_ccy"].astype("float64"),
        "margin": window_lines["gross_margin_rep_ccy"].astype("float64"),
        "quantity": window_lines["quantity"].astype("float64"),
    })
    counted = frame["counts"]
    frame["revenue_counted"] = frame["revenue"].where(counted, 0.0)
    frame["margin_counted"] = frame["margin"].where(counted, 0.0)
    frame["margin_missing"] = counted & frame["margin"].isna()
    frame["volume_counted"] = frame["quantity"].where(counted, 0.0)
    frame["line_counted"] = counted.astype("int64")
    grouped = frame.groupby("entity_id", sort=True)
    values = pd.DataFrame({
        "revenue": grouped["revenue_counted"].sum(),
        "gross_margin": grouped["margin_counted"].sum(),
        "volume": grouped["volume_counted"].sum(),
        "order_lines": grouped["line_counted"].sum().astype("float64"),
    })
    values.loc[grouped["margin_missing"].any(), "gross_margin"] = np.nan
    return values


def abc_measure_used(values: pd.DataFrame, measure: str, fallback_measure: str) -> str:
    """The measure ranked on: the configured one unless an entity lacks it, then the fallback."""
    for name in (measure, fallback_measure):
        if name not in ABC_MEASURES:
            raise ValueError(f"abc measure {name!r} unknown; use one of {', '.join(ABC_MEASURES)}")
    return fallback_measure if values[measure].isna().any() else measure


def abc_classes(values: pd.Series, thresholds: pd.DataFrame) -> pd.DataFrame:
    """ABC classes of the entities (index = entity_id) under both boundary conventions.

    ``thresholds`` has abc_class, class_rank, cumulative_share_upper for one grain. Entities are
    ranked by value, largest first, ties by entity_id; the cumulative share runs over the positive
    total. crossing_item_lower: first class whose limit the cumulative share (entity included) is
    within; crossing_item_upper: first class whose limit the share before the entity is below.
    The first-ranked entity with a positive value is in the first class under both. Zero, negative
    or missing values take the last class.
    """
    ordered_classes = thresholds.sort_values("class_rank")
    labels = ordered_classes["abc_class"].tolist()
    limits = ordered_classes["cumulative_share_upper"].astype("float64").tolist()
    last = labels[-1]
    frame = pd.DataFrame({"entity_id": values.index.astype(str), "value": values.to_numpy(dtype="float64")})
    frame["is_positive"] = frame["value"] > 0
    frame["sort_value"] = frame["value"].where(frame["is_positive"], -np.inf)
    frame = frame.sort_values(["sort_value", "entity_id"], ascending=[False, True], kind="mergesort")
    positive_values = frame["value"].where(frame["is_positive"], 0.0)
    total = float(positive_values.sum())
    frame["cumulative_share"] = positive_values.cumsum() / total if total > 0 else 0.0
    frame["previous_share"] = frame["cumulative_share"] - (positive_values / total if total > 0 else 0.0)

    def first_class(share: float, inclusive: bool) -> str:
        for label, limit in zip(labels, limits):
            if (share <= limit) if inclusive else (share < limit):
                return label
        return last

    lower, upper = [], []
    for position, row in enumerate(frame.itertuples(index=False)):
        if not row.is_positive:
            lower.append(last)
            upper.append(last)
            continue
        if position == 0:  # the first-ranked entity with a positive value is always in the top class
            lower.append(labels[0])
            upper.append(labels[0])
            continue
        lower.append(first_class(row.cumulative_share, inclusive=True))
        upper.append(first_class(row.previous_share, inclusive=False))
    return pd.DataFrame(
        {"abc_class_crossing_item_lower": lower, "abc_class_crossing_item_upper": upper},
        index=pd.Index(frame["entity_id"].tolist(), name="entity_id"),
    )


# --- Demand series, XYZ and demand patterns -------------------------------------------------------

def demand_by_period(window_lines: pd.DataFrame, grain: str, rules: LineRules) -> pd.DataFrame:
    """entity_id, window_period_number, demand_quantity for every entity and period with a line
    (demand = quantity of the lines counting in variability; 0 when the period only has others)."""
    frame = pd.DataFrame({
        "entity_id": entity_ids(window_lines, grain),
        "window_period_number": window_lines["window_period_number"].astype("int64"),
        "demand_quantity": window_lines["quantity"].astype("float64").where(
            counts_in_measure(window_lines, "variability", rules), 0.0),
    })
    return frame.groupby(["entity_id", "window_period_number"], as_index=False, sort=True)["demand_quantity"].sum()


def decay_weights(n_periods: int, half_life: float) -> np.ndarray:
    """Weights 0.5 ** ((N - p) / h) of periods p = 1..N."""
    periods = np.arange(1, n_periods + 1, dtype="float64")
    return np.power(0.5, (n_periods - periods) / float(half_life))


def deviation_variance(values: np.ndarray, cv_deviation: str, weights: np.ndarray | None = None) -> float:
    """Variance of values (weighted when weights are given) by the population or sample convention.

    Population divides by the weight total (the count); sample by W - sum(w^2) / W (reliability
    weights; the count minus 1 without weights). A single observation has variance 0 under both.
    """
    if len(values) == 0:
        return math.nan
    if weights is None:
        if cv_deviation == "sample":
            return float(np.var(values, ddof=1)) if len(values) > 1 else 0.0
        return float(np.var(values, ddof=0))
    total = float(weights.sum())
    mean = float(np.dot(weights, values) / total)
    sum_of_squares = float(np.dot(weights, (values - mean) ** 2))
    if cv_deviation == "sample":
        denominator = total - float(np.dot(weights, weights)) / total
        return sum_of_squares / denominator if denominator > 0 else 0.0
    return sum_of_squares / total


def class_by_limits(value: float | None, limits: pd.DataFrame) -> str:
    """XYZ class of a CV: first class (by class_rank) whose cv_upper the CV is clearly below; a CV on
    or above the last limit, or missing, takes the last class."""
    ordered = limits.sort_values("class_rank")
    if value is not None and not math.isnan(value):
        for label, upper in zip(ordered["xyz_class"], ordered["cv_upper"].astype("float64")):
            if value < upper - CUTOFF_TOLERANCE:
                return str(label)
    return str(ordered["xyz_class"].iloc[-1])


def sbc_pattern(adi: float, cv_squared: float, adi_cutoff: float, cv_squared_cutoff: float) -> str:
    """Syntetos-Boylan-Croston quadrant; a value on a cut-off (within the tolerance) is on the higher side."""
    frequent = adi < adi_cutoff - CUTOFF_TOLERANCE
    steady_sizes = cv_squared < cv_squared_cutoff - CUTOFF_TOLERANCE
    if frequent:
        return "smooth" if steady_sizes else "erratic"
    return "intermittent" if steady_sizes else "lumpy"


def lifecycle_status(first_demand: int | None, last_demand: int | None, n_periods: int,
                     conventions: VariabilityConventions) -> str:
    """no_demand (no demand period), phased_out (no demand in the last phased_out_after_periods periods),
    new (history from the first demand shorter than min_history_periods) or active, in that order."""
    if first_demand is None or last_demand is None:
        return "no_demand"
    if n_periods - last_demand >= conventions.phased_out_after_periods:
        return "phased_out"
    if n_periods - first_demand + 1 < conventions.min_history_periods:
        return "new"
    return "active"


def series_bounds(first_demand: int | None, last_demand: int | None, demand_period_count: int,
                  first_line_period: int, n_periods: int, status: str,
                  conventions: VariabilityConventions) -> tuple[int, int]:
    """First and last period (1-based, inclusive) of the series the measures run over.

    whole_window: 1..N. from_first_demand: first demand..N, or ..last demand when phased out.
    between_demands: first demand..last demand. With fewer than two demand periods the series runs to N
    under every convention; without any, it starts at the first period with a line (except whole_window).
    """
    if conventions.adi_window == "whole_window":
        start = 1
    else:
        start = first_demand if first_demand is not None else first_line_period
    if demand_period_count < 2 or conventions.adi_window == "whole_window":
        end = n_periods
    elif conventions.adi_window == "between_demands":
        end = last_demand
    else:
        end = last_demand if status == "phased_out" else n_periods
    return start, end


def normalised_demand(demand: np.ndarray, period_days: np.ndarray | None,
                      conventions: VariabilityConventions) -> np.ndarray:
    """Demand per period scaled to a period of average length, x * mean(days) / days, when the convention
    says so; the demand unchanged otherwise."""
    values = demand.astype("float64")
    if not conventions.normalise_demand_by_period_length:
        return values
    if period_days is None:
        raise ValueError("normalise_demand_by_period_length is on: pass period_days (days of each window period)")
    days = np.asarray(period_days, dtype="float64")
    if days.shape != values.shape or (days <= 0).any():
        raise ValueError(f"period_days must hold one positive length per period ({len(values)}), got {days!r}")
    return values / days * days.mean()


def entity_variability(
    demand: np.ndarray,
    first_line_period: int,
    conventions: VariabilityConventions,
    xyz_limits: pd.DataFrame,
    adi_cutoff: float,
    cv_squared_cutoff: float,
    period_days: np.ndarray | None = None,
) -> dict[str, object]:
    """All variability measures and classes of one entity.

    ``demand`` holds the demand of periods 1..N with zeros filled; ``first_line_period`` is the
    entity's first period with any line (where a series without demand starts unless whole_window);
    ``period_days`` the length in days of periods 1..N (needed when demand is normalised).
    """
    n_periods = len(demand)
    demand_periods = np.flatnonzero(demand > 0) + 1
    k = len(demand_periods)
    first_demand = int(demand_periods[0]) if k else None
    last_demand = int(demand_periods[-1]) if k else None
    status = lifecycle_status(first_demand, last_demand, n_periods, conventions)
    start, end = series_bounds(first_demand, last_demand, k, first_line_period, n_periods, status, conventions)
    values = normalised_demand(demand, period_days, conventions)
    series = values[start - 1:end]
    nonzero = values[demand_periods - 1]
    history = n_periods - first_demand + 1 if first_demand is not None else 0

    mean = float(series.mean())
    variance = deviation_variance(series, conventions.cv_deviation)
    cv = math.sqrt(variance) / mean if mean > 0 else None
    if k:
        mean_nonzero = float(nonzero.mean())
        variance_nonzero = deviation_variance(nonzero, conventions.cv_deviation)
        cv_squared = variance_nonzero / mean_nonzero ** 2
        if conventions.adi_window == "between_demands" and k >= 2:
            adi = (last_demand - first_demand) / (k - 1)
        else:
            adi = len(series) / k
    else:
        mean_nonzero = variance_nonzero = cv_squared = adi = None

    cv_decayed = None
    if conventions.decay_half_life_periods is not None:
        weights = decay_weights(n_periods, conventions.decay_half_life_periods)[start - 1:end]
        weighted_mean = float(np.dot(weights, series) / weights.sum())
        weighted_variance = deviation_variance(series, conventions.cv_deviation, weights)
        cv_decayed = math.sqrt(weighted_variance) / weighted_mean if weighted_mean > 0 else None

    last_class = class_by_limits(None, xyz_limits)
    is_new = k > 0 and history < conventions.min_history_periods
    if k == 0:
        pattern, xyz_undecayed, xyz_decayed_rule = "no_demand", last_class, last_class
    elif is_new:
        provisional = conventions.new_entity_provisional_xyz_class
        pattern, xyz_undecayed, xyz_decayed_rule = "new", provisional, provisional
    else:
        pattern = sbc_pattern(adi, cv_squared, adi_cutoff, cv_squared_cutoff)
        xyz_undecayed = class_by_limits(cv, xyz_limits)
        xyz_decayed_rule = class_by_limits(cv_decayed, xyz_limits)
    xyz_decayed = xyz_decayed_rule if conventions.decay_half_life_periods is not None else None
    return {
        "series_start_period_number": start,
        "series_end_period_number": end,
        "first_demand_period_number": first_demand,
        "last_demand_period_number": last_demand,
        "history_period_count": history,
        "demand_period_count": int(k),
        "lifecycle_status": status,
        "mean_demand_per_period": mean,
        "stddev_demand_per_period": math.sqrt(variance),
        "coefficient_of_variation": cv,
        "xyz_class_undecayed": xyz_undecayed,
        "average_demand_interval": adi,
        "mean_nonzero_demand": mean_nonzero,
        "stddev_nonzero_demand": math.sqrt(variance_nonzero) if variance_nonzero is not None else None,
        "cv_squared_nonzero": cv_squared,
        "demand_pattern": pattern,
        "is_new_entity": bool(is_new),
        "is_provisional": bool(is_new),
        "coefficient_of_variation_decayed": cv_decayed,
        "xyz_class_decayed": xyz_decayed,
        "xyz_class": xyz_decayed if xyz_decayed is not None else xyz_undecayed,
    }


def variability_classes(
    demand: pd.DataFrame,
    n_periods: int,
    conventions: VariabilityConventions,
    xyz_limits: pd.DataFrame,
    cutoffs: pd.DataFrame,
    period_days: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per entity of ``demand`` (output of demand_by_period) with every variability measure
    and class; ``cutoffs`` is seed demand_pattern_cutoffs (parameter, value); ``period_days`` the
    length in days of periods 1..N (needed when demand is normalised by period length)."""
    cutoff = dict(zip(cutoffs["parameter"], cutoffs["value"].astype("float64")))
    missing = {"adi_cutoff", "cv_squared_cutoff"} - set(cutoff)
    if missing:
        raise KeyError(f"demand_pattern_cutoffs lacks parameter(s) {sorted(missing)}")
    rows = []
    for entity_id, periods in demand.groupby("entity_id", sort=True):
        series = np.zeros(n_periods)
        series[periods["window_period_number"].to_numpy() - 1] = periods["demand_quantity"].to_numpy()
        first_line = int(periods["window_period_number"].min())
        measures = entity_variability(series, first_line, conventions, xyz_limits,
                                      cutoff["adi_cutoff"], cutoff["cv_squared_cutoff"], period_days)
        rows.append({"entity_id": entity_id, **measures})
    return pd.DataFrame(rows)
