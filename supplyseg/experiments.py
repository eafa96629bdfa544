"""Difference-in-differences evaluation of policy experiments (A/B tests), with a power note and a decision.

Input: the experiment panel (one row per experiment, entity and KPI period: group, phase, KPI numerator and
denominator; built in SQL by ``int_policy_experiment_panel``) and the experiment designs (alpha, minimum detectable
effect, which direction of the KPI is better). The method (doc block ``experiment_analysis``):

1. Each entity's KPI is pooled per phase: ``sum(numerator) / sum(denominator)`` over its pre periods and over its post
   periods; its change is ``post - pre``. Only entities with the KPI in both phases count.
2. The estimate is the weighted mean change of treatment minus that of control, each entity weighted by its
   denominator over both phases (lines); this is the coefficient of the treatment dummy in a weighted least-squares
   regression of the change on an intercept and the dummy (difference in differences on the collapsed panel).
3. Its standard error is clustered by entity: the heteroscedasticity-robust sandwich of that regression, one row per
   entity, with the small-sample factor n / (n - 2). Collapsing each entity to one change keeps serially correlated
   periods of one entity from being counted as independent evidence.
4. Confidence interval and two-sided p-value from Student's t with n - 2 degrees of freedom.
5. Power note (normal approximation): power to detect the experiment's minimum detectable effect (MDE) at this
   standard error, and the MDE detectable with 80% power.
6. Decision: ``roll_out`` when the change is significant in the better direction, ``do_not_roll_out`` when it is
   significant in the worse direction or the interval rules out an improvement as large as the MDE,
   ``inconclusive`` otherwise (or with fewer than 2 entities per group); the reason says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

PANEL_COLUMNS: tuple[str, ...] = ("experiment_id", "entity_id", "experiment_group", "phase", "kpi_numerator",
                                  "kpi_denominator")
DESIGN_COLUMNS: tuple[str, ...] = ("experiment_id", "alpha", "minimum_detectable_effect", "better_direction")
GROUPS: tuple[str, ...] = ("treatment", "control")
PHASES: tuple[str, ...] = ("pre", "post")
DIRECTIONS: dict[str, float] = {"higher": 1.0, "lower": -1.0}
TARGET_POWER = 0.80
MIN_ENTITIES_PER_GROUP = 2
DECISIONS: tuple[str, ...] = ("roll_out", "do_not_roll_out", "inconclusive")
RESULT_COLUMNS: tuple[str, ...] = (
    "experiment_id", "treatment_entity_count", "control_entity_count",
    "treatment_pre_value", "treatment_post_value", "control_pre_value", "control_post_value",
    "did_estimate", "standard_error", "degrees_of_freedom", "ci_lower", "ci_upper", "p_value", "is_significant",
    "achieved_power_at_mde", "mde_at_80_power", "decision", "decision_reason",
)


@dataclass(frozen=True)
class Design:
    """What an experiment is judged against."""

    experiment_id: str
    alpha: float
    minimum_detectable_effect: float
    better_direction: str

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"experiment {self.experiment_id}: alpha={self.alpha!r} must be strictly between 0 and 1")
        if not self.minimum_detectable_effect > 0.0:
            raise ValueError(f"experiment {self.experiment_id}: minimum_detectable_effect="
                             f"{self.minimum_detectable_effect!r} must be above 0")
        if self.better_direction not in DIRECTIONS:
            raise ValueError(f"experiment {self.experiment_id}: better_direction={self.better_direction!r} must be one"
                             f" of {', '.join(DIRECTIONS)} (KPIs closer to zero cannot be A/B-tested here)")


@dataclass(frozen=True)
class EntityChanges:
    """Per entity with the KPI in both phases: group flag, change post - pre, weight (and group-phase values)."""

    is_treatment: np.ndarray
    change: np.ndarray
    weight: np.ndarray
    pooled: dict[tuple[str, str], float]  # (group, phase) -> pooled KPI of the group's entities


def _check_panel(panel: pd.DataFrame) -> None:
    """Raise ValueError naming the column at fault."""
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ValueError(f"experiment panel: missing column(s) {', '.join(missing)}")
    for column, allowed in (("experiment_group", GROUPS), ("phase", PHASES)):
        bad = sorted(set(panel[column].dropna().astype(str)) - set(allowed))
        if bad or panel[column].isna().any():
            raise ValueError(f"experiment panel: column {column} has values {bad or [None]}; allowed: {allowed}")
    if (panel["kpi_denominator"] <= 0).any() or panel["kpi_denominator"].isna().any():
        raise ValueError("experiment panel: column kpi_denominator must be above 0 on every row")
    groups_per_entity = panel.groupby(["experiment_id", "entity_id"])["experiment_group"].nunique()
    if (groups_per_entity > 1).any():
        first = groups_per_entity[groups_per_entity > 1].index[0]
        raise ValueError(f"experiment panel: entity {first[1]} of experiment {first[0]} is in both groups")


def entity_changes(panel: pd.DataFrame) -> EntityChanges:
    """Collapse one experiment's panel to one change per entity (entities with the KPI in both phases)."""
    sums = panel.groupby(["entity_id", "experiment_group", "phase"], sort=True)[
        ["kpi_numerator", "kpi_denominator"]].sum().unstack("phase")
    # A phase with no row at all (a reference date before the post period starts) is a column of gaps.
    sums = sums.reindex(columns=pd.MultiIndex.from_product([["kpi_numerator", "kpi_denominator"], PHASES]))
    sums = sums.dropna()
    if sums.empty:
        return EntityChanges(np.zeros(0, bool), np.zeros(0), np.zeros(0), {})
    numerator, denominator = sums["kpi_numerator"], sums["kpi_denominator"]
    value = numerator / denominator
    group = sums.index.get_level_values("experiment_group").to_numpy()
    pooled = {}
    for g in GROUPS:
        mask = group == g
        for phase in PHASES:
            den = float(denominator.loc[mask, phase].sum())
            pooled[(g, phase)] = float(numerator.loc[mask, phase].sum()) / den if den > 0 else float("nan")
    return EntityChanges(
        is_treatment=group == "treatment",
        change=(value["post"] - value["pre"]).to_numpy(dtype=float),
        weight=(denominator["pre"] + denominator["post"]).to_numpy(dtype=float),
        pooled=pooled,
    )


def difference_in_differences(changes: EntityChanges) -> tuple[float, float, int]:
    """(estimate, entity-clustered standard error, degrees of freedom) of the weighted difference in differences."""
    n = len(changes.change)
    estimate_parts, variance = [], 0.0
    for mask in (changes.is_treatment, ~changes.is_treatment):
        w, y = changes.weight[mask], changes.change[mask]
        mean = float(np.dot(w, y) / w.sum())
        estimate_parts.append(mean)
        variance += float(np.sum((w * (y - mean)) ** 2)) / float(w.sum()) ** 2
    estimate = estimate_parts[0] - estimate_parts[1]
    return estimate, float(np.sqrt(variance * n / (n - 2))), n - 2


def power_note(standard_error: float, alpha: float, mde: float) -> tuple[float, float]:
    """(power to detect an effect of size mde, effect detectable with TARGET_POWER), two-sided, normal approx."""
    z_alpha = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if standard_error == 0.0:
        return 1.0, 0.0
    shift = mde / standard_error
    power = float(stats.norm.cdf(shift - z_alpha) + stats.norm.cdf(-shift - z_alpha))
    return power, (z_alpha + float(stats.norm.ppf(TARGET_POWER))) * standard_error


def _decide(design: Design, estimate: float, ci: tuple[float, float], p_value: float, power: float,
            mde_80: float) -> tuple[str, str]:
    """(decision, reason) from significance, direction and the interval against the MDE."""
    sign = DIRECTIONS[design.better_direction]
    improvement = sign * estimate
    best_case = max(sign * ci[0], sign * ci[1])
    mde = design.minimum_detectable_effect
    text = f"change {estimate:+.4f} (CI {ci[0]:+.4f} to {ci[1]:+.4f}, p={p_value:.4f})"
    if p_value < design.alpha and improvement > 0:
        return "roll_out", f"{text}: significant at alpha {design.alpha:g} and in the better ({design.better_direction}) direction"
    if p_value < design.alpha:
        return "do_not_roll_out", f"{text}: significant at alpha {design.alpha:g} in the worse direction"
    if best_case < mde:
        return "do_not_roll_out", (f"{text}: not significant, and the interval rules out an improvement of the"
                                   f" minimum detectable effect {mde:g}")
    return "inconclusive", (f"{text}: not significant, and the interval still holds an improvement of {mde:g};"
                            f" power at that effect {power:.2f}, effect detectable with 80% power {mde_80:.4f}")


def evaluate_experiment(panel: pd.DataFrame, design: Design) -> dict[str, object]:
    """One result row (RESULT_COLUMNS) of one experiment's panel rows."""
    changes = entity_changes(panel)
    n_treat = int(changes.is_treatment.sum())
    n_control = int((~changes.is_treatment).sum())
    pooled = {f"{g}_{p}_value": changes.pooled.get((g, p), float("nan")) for g in GROUPS for p in PHASES}
    row: dict[str, object] = {"experiment_id": design.experiment_id, "treatment_entity_count": n_treat,
                              "control_entity_count": n_control, **pooled}
    empty = {c: None for c in RESULT_COLUMNS if c not in row}
    if min(n_treat, n_control) < MIN_ENTITIES_PER_GROUP:
        return {**row, **empty, "decision": "inconclusive", "decision_reason": (
            f"{n_treat} treatment and {n_control} control entities have the KPI in both the pre and the post period;"
            f" at least {MIN_ENTITIES_PER_GROUP} of each are needed (no deliveries, or windows outside the data?)")}
    estimate, se, df = difference_in_differences(changes)
    if se > 0.0:
        t_crit = float(stats.t.ppf(1.0 - design.alpha / 2.0, df))
        p_value = float(2.0 * stats.t.sf(abs(estimate) / se, df))
    else:
        t_crit, p_value = 0.0, (0.0 if estimate != 0.0 else 1.0)
    ci = (estimate - t_crit * se, estimate + t_crit * se)
    power, mde_80 = power_note(se, design.alpha, design.minimum_detectable_effect)
    decision, reason = _decide(design, estimate, ci, p_value, power, mde_80)
    return {**row, "did_estimate": estimate, "standard_error": se, "degrees_of_freedom": df, "ci_lower": ci[0],
            "ci_upper": ci[1], "p_value": p_value, "is_significant": p_value < design.alpha,
            "achieved_power_at_mde": power, "mde_at_80_power": mde_80, "decision": decision,
            "decision_reason": reason}


def evaluate_design_frame(panel: pd.DataFrame, designs: pd.DataFrame) -> pd.DataFrame:
    """The design rows (every column kept, sorted by experiment_id) followed by their results (RESULT_COLUMNS)."""
    ordered = designs.sort_values("experiment_id").reset_index(drop=True)
    results = evaluate_experiments(panel, designs_from_frame(ordered))
    return pd.concat([ordered, results.drop(columns="experiment_id")], axis=1)


def designs_from_frame(frame: pd.DataFrame) -> list[Design]:
    """Designs from a DataFrame with DESIGN_COLUMNS (the experiment seed joined to its KPI's better direction)."""
    missing = [c for c in DESIGN_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"experiment designs: missing column(s) {', '.join(missing)}")
    return [Design(str(r.experiment_id), float(r.alpha), float(r.minimum_detectable_effect), str(r.better_direction))
            for r in frame.sort_values("experiment_id").itertuples(index=False)]


def evaluate_experiments(panel: pd.DataFrame, designs: Iterable[Design]) -> pd.DataFrame:
    """One row per design (RESULT_COLUMNS), evaluated on its rows of the panel."""
    _check_panel(panel)
    by_experiment = dict(tuple(panel.groupby("experiment_id", sort=True)))
    empty = panel.iloc[0:0]
    rows = [evaluate_experiment(by_experiment.get(d.experiment_id, empty), d) for d in designs]
    result = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    for column in ("treatment_entity_count", "control_entity_count"):
        result[column] = result[column].astype("int64")
    result["degrees_of_freedom"] = result["degrees_of_freedom"].astype("Int64")
    for column in ("treatment_pre_value", "treatment_post_value", "control_pre_value", "control_post_value",
                   "did_estimate", "standard_error", "ci_lower", "ci_upper", "p_value", "achieved_power_at_mde",
                   "mde_at_80_power"):
        result[column] = result[column].astype("float64")
    result["is_significant"] = result["is_significant"].astype("boolean")
    return result
