"""The robust outlier rule (doc block ``outlier_rule`` in docs/integration_rules.md), in numpy.

Per group (product), over the values judged:

- ``log_mad``: on ln(value) of the positive values, limits median +/- s with
  s = max(k * 1.4826 * MAD, ln(min_ratio)), turned back into values with exp();
- ``mad``: median +/- k * 1.4826 * MAD on the raw values (the |median| stands in when MAD is 0);
- ``iqr``: [Q1 - k * IQR, Q3 + k * IQR], quartiles interpolated linearly.

MAD is the median absolute deviation from the median, 1.4826 makes it comparable to a standard
deviation for normal data. Groups with fewer than ``min_lines`` judged values get no limits.
A value is an outlier when it is strictly outside its group's limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Normal-consistency constant of the MAD: 1 / Phi^-1(3/4).
MAD_TO_STANDARD_DEVIATION = 1.4826


@dataclass(frozen=True)
class OutlierRule:
    """The vars outlier_method, outlier_multiplier, outlier_min_ratio_to_median, outlier_min_lines."""

    method: str = "log_mad"
    multiplier: float = 3.5
    min_ratio_to_median: float = 10.0
    min_lines: int = 8

    @classmethod
    def from_vars(cls, values: dict) -> OutlierRule:
        return cls(
            method=str(values["outlier_method"]),
            multiplier=float(values["outlier_multiplier"]),
            min_ratio_to_median=float(values["outlier_min_ratio_to_median"]),
            min_lines=int(values["outlier_min_lines"]),
        )


def limits(values: np.ndarray, rule: OutlierRule) -> tuple[float, float] | None:
    """(lower, upper) limits of one group's values, or None when the group is not judged."""
    values = np.asarray(values, dtype="float64")
    if rule.method == "log_mad":
        judged = np.log(values[values > 0])
    elif rule.method in ("mad", "iqr"):
        judged = values
    else:
        raise ValueError(f"outlier method {rule.method!r}: use log_mad, mad or iqr")
    if len(judged) < rule.min_lines:
        return None
    if rule.method == "iqr":
        q1, q3 = np.quantile(judged, [0.25, 0.75])
        return q1 - rule.multiplier * (q3 - q1), q3 + rule.multiplier * (q3 - q1)
    centre = float(np.median(judged))
    mad = float(np.median(np.abs(judged - centre)))
    if rule.method == "log_mad":
        scale = MAD_TO_STANDARD_DEVIATION * mad
        half_width = max(rule.multiplier * scale, math.log(rule.min_ratio_to_median))
        return math.exp(centre - half_width), math.exp(centre + half_width)
    scale = MAD_TO_STANDARD_DEVIATION * mad if mad > 0 else abs(centre)
    return centre - rule.multiplier * scale, centre + rule.multiplier * scale


def flag(frame: pd.DataFrame, group: str, value: str, rule: OutlierRule) -> pd.DataFrame:
    """``frame`` with the limits of its group and whether ``value`` is outside them (limits are
    computed from all rows of the frame; rows of groups not judged are never outliers)."""
    bounds = {}
    for key, rows in frame.groupby(group, sort=False):
        bounds[key] = limits(rows[value].to_numpy(dtype="float64"), rule)
    lower = frame[group].map(lambda k: bounds[k][0] if bounds[k] is not None else np.nan).astype("float64")
    upper = frame[group].map(lambda k: bounds[k][1] if bounds[k] is not None else np.nan).astype("float64")
    measured = frame[value].astype("float64")
    outside = ((measured < lower) | (measured > upper)).fillna(False)
    return frame.assign(lower_bound=lower, upper_bound=upper, is_outlier=outside.astype(bool))
