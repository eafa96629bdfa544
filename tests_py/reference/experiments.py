"""A/B-test oracle: the experiment panel from the raw files and the difference in differences by least squares.

Written from the doc blocks of docs/experiments.md, not from the SQL or from supplyseg.experiments:

- ``experiment_design``: KPI periods wholly inside [pre_period_start_date, start_date) are pre, wholly inside
  [start_date, end_date] post; the KPI is a line-count ratio of doc block kpi_definitions (reference.kpis);
- ``experiment_assignment``: listed entities (seed policy_experiment_entities) are treatment; a random split treats
  an entity when int(md5('<split_seed>:<entity_id>')[:8], 16) / 16**8 < treatment_share (hashlib, not SQL);
- ``experiment_analysis``: each entity's pooled KPI per phase, change post - pre, entities in both phases only;
  estimate = coefficient of the treatment dummy in weighted least squares of the change on [1, dummy], weights =
  denominator over both phases, solved here with numpy.linalg.lstsq; standard error = the sandwich
  (X'WX)^-1 X'W diag(e^2) W X (X'WX)^-1 x n / (n - 2), built from matrices.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# KPI name -> (numerator, denominator) columns of reference.kpis.measured_sales_lines (doc block kpi_definitions).
LINE_KPIS = {
    "on_time_rate": ("is_on_time", "on_time_base"),
    "in_full_rate": ("is_in_full", "is_delivered"),
    "otif_rate": ("is_otif", "on_time_base"),
    "line_fill_rate": ("is_filled_first_time", "is_delivered"),
}


def split_share(split_seed: str, entity_id: str) -> float:
    """The entity's share in [0, 1) for a split seed."""
    return int(hashlib.md5(f"{split_seed}:{entity_id}".encode()).hexdigest()[:8], 16) / 16 ** 8


def entity_changes(lines: pd.DataFrame, periods: pd.DataFrame, experiment: pd.Series,
                   listed: set[str]) -> pd.DataFrame:
    """entity_id, group, pre, post, change, weight of one customer-grain experiment with segment scope '*'."""
    assert experiment["grain"] == "customer" and experiment["segment_scope"] == "*", "oracle covers these only"
    pre_start, start, end = (pd.Timestamp(experiment[c]) for c in ("pre_period_start_date", "start_date", "end_date"))
    periods = periods.copy()
    periods["phase"] = np.where(
        (periods["period_start_date"] >= pre_start) & (periods["period_end_date"] < start), "pre",
        np.where((periods["period_start_date"] >= start) & (periods["period_end_date"] <= end), "post", None))
    frame = lines.merge(periods[["period_start_date", "phase"]], on="period_start_date")
    frame = frame[frame["phase"].notna()]
    numerator, denominator = LINE_KPIS[experiment["kpi_name"]]
    frame = frame.assign(num=frame[numerator].astype(int), den=frame[denominator].astype(int))
    sums = frame.groupby(["segment_customer_id", "phase"])[["num", "den"]].sum()
    sums = sums[sums["den"] > 0].unstack("phase").dropna()
    out = pd.DataFrame({
        "entity_id": sums.index.to_numpy(),
        "pre": (sums[("num", "pre")] / sums[("den", "pre")]).to_numpy(),
        "post": (sums[("num", "post")] / sums[("den", "post")]).to_numpy(),
        "weight": (sums[("den", "pre")] + sums[("den", "post")]).to_numpy(dtype=float),
    })
    out["change"] = out["post"] - out["pre"]
    if experiment["assignment_method"] == "listed":
        treated = out["entity_id"].isin(listed)
    else:
        share = float(experiment["treatment_share"])
        treated = out["entity_id"].map(lambda e: split_share(experiment["split_seed"], e) < share)
    out["is_treatment"] = treated.to_numpy(dtype=bool)
    return out


def did_least_squares(change: np.ndarray, is_treatment: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """(estimate, clustered standard error): weighted least squares of change on [1, treatment] by lstsq."""
    n = len(change)
    x = np.column_stack([np.ones(n), is_treatment.astype(float)])
    root = np.sqrt(weight)
    beta, *_ = np.linalg.lstsq(x * root[:, None], change * root, rcond=None)
    residual = change - x @ beta
    bread = np.linalg.inv(x.T @ (x * weight[:, None]))
    meat = (x * (weight * residual)[:, None]).T @ (x * (weight * residual)[:, None])
    covariance = bread @ meat @ bread * n / (n - 2)
    return float(beta[1]), float(np.sqrt(covariance[1, 1]))
