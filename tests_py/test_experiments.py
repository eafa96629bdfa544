"""supplyseg.experiments on small DataFrames: difference in differences against a least-squares oracle and a
hand-worked example, the power note against a Monte Carlo simulation, the decision rules and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reference.experiments import did_least_squares
from supplyseg.experiments import Design, evaluate_experiments

DESIGN = Design("E1", alpha=0.05, minimum_detectable_effect=0.05, better_direction="higher")


def _panel(rows: list[tuple[str, str, str, float, float]], experiment: str = "E1") -> pd.DataFrame:
    """rows of (entity, group, phase, numerator, denominator)."""
    frame = pd.DataFrame(rows, columns=["entity_id", "experiment_group", "phase", "kpi_numerator", "kpi_denominator"])
    frame.insert(0, "experiment_id", experiment)
    return frame


def _random_panel(seed: int, n_treat: int, n_control: int, effect: float, periods: int = 3) -> pd.DataFrame:
    """Binomial on-time counts per entity and period; treatment entities gain `effect` after the start."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_treat + n_control):
        group = "treatment" if i < n_treat else "control"
        base = rng.uniform(0.7, 0.95)
        for phase in ("pre", "post"):
            for _ in range(periods):
                lines = int(rng.integers(5, 60))
                p = base + (effect if group == "treatment" and phase == "post" else 0.0)
                rows.append((f"C{i:03d}", group, phase, float(rng.binomial(lines, min(p, 1.0))), float(lines)))
    return _panel(rows)


def _changes(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(change, is_treatment, weight) per entity, pooled per phase, straight from the rows (oracle input)."""
    sums = panel.groupby(["entity_id", "experiment_group", "phase"])[["kpi_numerator", "kpi_denominator"]].sum()
    wide = sums.unstack("phase").dropna()
    value = wide["kpi_numerator"] / wide["kpi_denominator"]
    change = (value["post"] - value["pre"]).to_numpy()
    treat = (wide.index.get_level_values("experiment_group") == "treatment")
    weight = (wide["kpi_denominator"]["pre"] + wide["kpi_denominator"]["post"]).to_numpy()
    return change, np.asarray(treat), weight


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_estimate_and_standard_error_match_weighted_least_squares(seed: int) -> None:
    panel = _random_panel(seed, n_treat=15, n_control=25, effect=0.08)
    result = evaluate_experiments(panel, [DESIGN]).iloc[0]
    estimate, standard_error = did_least_squares(*_changes(panel))
    assert result["did_estimate"] == pytest.approx(estimate, rel=1e-10, abs=1e-12)
    assert result["standard_error"] == pytest.approx(standard_error, rel=1e-10)
    assert (result["treatment_entity_count"], result["control_entity_count"]) == (15, 25)
    t = result["did_estimate"] / result["standard_error"]
    from scipy import stats
    assert result["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 38), rel=1e-9)
    half = stats.t.ppf(0.975, 38) * standard_error
    assert (result["ci_lower"], result["ci_upper"]) == pytest.approx((estimate - half, estimate + half), rel=1e-9)


def test_hand_worked_difference_in_differences() -> None:
    # Treatment: T1 8/10 -> 9/10 (+0.1, weight 20), T2 6/10 -> 9/10 (+0.3, weight 20): mean +0.2.
    # Control: K1 5/10 -> 5/10 (0, weight 20), K2 7/10 -> 8/10 (+0.1, weight 20): mean +0.05. DiD = 0.15.
    # Residuals +-0.1 and +-0.05: variance = 2 * (20*0.1)^2 / 40^2 + 2 * (20*0.05)^2 / 40^2 = 0.005 + 0.00125,
    # times n / (n - 2) = 4 / 2 -> 0.0125, standard error 0.1118034.
    panel = _panel([
        ("T1", "treatment", "pre", 8, 10), ("T1", "treatment", "post", 9, 10),
        ("T2", "treatment", "pre", 6, 10), ("T2", "treatment", "post", 9, 10),
        ("K1", "control", "pre", 5, 10), ("K1", "control", "post", 5, 10),
        ("K2", "control", "pre", 7, 10), ("K2", "control", "post", 8, 10),
    ])
    result = evaluate_experiments(panel, [DESIGN]).iloc[0]
    assert result["did_estimate"] == pytest.approx(0.15)
    assert result["standard_error"] == pytest.approx(np.sqrt(0.0125))
    assert result["degrees_of_freedom"] == 2
    assert result["treatment_pre_value"] == pytest.approx(0.7) and result["treatment_post_value"] == pytest.approx(0.9)
    assert result["control_pre_value"] == pytest.approx(0.6) and result["control_post_value"] == pytest.approx(0.65)


def test_periods_are_pooled_and_entities_without_both_phases_left_out() -> None:
    panel = _panel([
        ("T1", "treatment", "pre", 1, 2), ("T1", "treatment", "pre", 3, 8), ("T1", "treatment", "post", 9, 10),
        ("T2", "treatment", "pre", 5, 10), ("T2", "treatment", "post", 6, 10),
        ("T3", "treatment", "post", 10, 10),  # no pre period: left out
        ("K1", "control", "pre", 5, 10), ("K1", "control", "post", 5, 10),
        ("K2", "control", "pre", 7, 10), ("K2", "control", "post", 8, 10),
    ])
    result = evaluate_experiments(panel, [DESIGN]).iloc[0]
    assert result["treatment_entity_count"] == 2
    # T1 pooled pre = 4/10 -> 0.9: +0.5 (weight 20); T2 +0.1 (weight 20); control +0.05.
    assert result["did_estimate"] == pytest.approx(0.3 - 0.05)


def test_power_note_matches_a_simulation() -> None:
    panel = _random_panel(4, n_treat=12, n_control=12, effect=0.0)
    result = evaluate_experiments(panel, [DESIGN]).iloc[0]
    se = result["standard_error"]
    rng = np.random.default_rng(0)
    draws = rng.normal(DESIGN.minimum_detectable_effect, se, size=400_000)
    simulated = np.mean(np.abs(draws / se) > 1.959963984540054)
    assert result["achieved_power_at_mde"] == pytest.approx(simulated, abs=0.005)
    mde = result["mde_at_80_power"]
    at_mde = np.mean(np.abs(rng.normal(mde, se, size=400_000) / se) > 1.959963984540054)
    assert at_mde == pytest.approx(0.80, abs=0.005)


def test_planted_effect_rolls_out_and_a_null_effect_does_not() -> None:
    found = evaluate_experiments(_random_panel(5, 40, 40, effect=0.10), [DESIGN]).iloc[0]
    assert found["decision"] == "roll_out" and found["is_significant"]
    assert found["ci_lower"] <= 0.10 <= found["ci_upper"]
    for seed in range(6, 16):
        null = evaluate_experiments(_random_panel(seed, 40, 40, effect=0.0), [DESIGN]).iloc[0]
        if null["p_value"] >= DESIGN.alpha:
            assert null["decision"] in ("inconclusive", "do_not_roll_out"), seed


@pytest.mark.parametrize(("effect", "direction", "decision", "words"), [
    (-0.10, "higher", "do_not_roll_out", "worse direction"),
    (-0.10, "lower", "roll_out", "better (lower) direction"),
    (0.10, "lower", "do_not_roll_out", "worse direction"),
])
def test_decision_follows_the_better_direction(effect, direction, decision, words) -> None:
    design = Design("E1", 0.05, 0.05, direction)
    result = evaluate_experiments(_random_panel(7, 40, 40, effect=effect), [design]).iloc[0]
    assert result["decision"] == decision
    assert words in result["decision_reason"]


def test_an_interval_below_the_mde_is_do_not_roll_out_and_a_wide_one_inconclusive() -> None:
    precise = evaluate_experiments(_random_panel(8, 200, 200, effect=0.0, periods=6),
                                   [Design("E1", 0.05, 0.10, "higher")]).iloc[0]
    assert not precise["is_significant"] and precise["ci_upper"] < 0.10
    assert precise["decision"] == "do_not_roll_out" and "rules out" in precise["decision_reason"]
    wide = evaluate_experiments(_random_panel(9, 4, 4, effect=0.0, periods=1),
                                [Design("E1", 0.05, 0.10, "higher")]).iloc[0]
    assert not wide["is_significant"] and wide["ci_upper"] > 0.10
    assert wide["decision"] == "inconclusive" and "power" in wide["decision_reason"]


def test_too_few_entities_or_no_rows_is_inconclusive_with_the_reason() -> None:
    panel = _panel([("T1", "treatment", "pre", 8, 10), ("T1", "treatment", "post", 9, 10),
                    ("K1", "control", "pre", 5, 10), ("K1", "control", "post", 5, 10)])
    results = evaluate_experiments(panel, [DESIGN, Design("E2", 0.05, 0.05, "higher")]).set_index("experiment_id")
    assert results.loc["E1", "decision"] == "inconclusive" and "at least 2" in results.loc["E1", "decision_reason"]
    assert results.loc["E2", "treatment_entity_count"] == 0 and results.loc["E2", "decision"] == "inconclusive"
    assert pd.isna(results.loc["E2", "did_estimate"])


def test_a_panel_without_post_rows_is_inconclusive_not_an_error() -> None:
    """A build whose reference date lies before the post period (a replay of the past) has pre rows only."""
    panel = _panel([(f"{g[0]}{i}", g, "pre", 8, 10) for g in ("treatment", "control") for i in range(3)])
    result = evaluate_experiments(panel, [DESIGN]).iloc[0]
    assert result["decision"] == "inconclusive" and result["treatment_entity_count"] == 0
    assert pd.isna(result["did_estimate"])


def test_bad_input_names_the_column_or_value() -> None:
    good = _random_panel(10, 3, 3, effect=0.0)
    with pytest.raises(ValueError, match="experiment_group"):
        evaluate_experiments(good.replace({"experiment_group": {"control": "placebo"}}), [DESIGN])
    with pytest.raises(ValueError, match="kpi_denominator"):
        evaluate_experiments(good.assign(kpi_denominator=0.0), [DESIGN])
    both = good.copy()
    both.loc[both.index[0], "experiment_group"] = "control"
    with pytest.raises(ValueError, match="both groups"):
        evaluate_experiments(both, [DESIGN])
    with pytest.raises(ValueError, match="alpha"):
        Design("E9", 1.5, 0.05, "higher")
    with pytest.raises(ValueError, match="better_direction"):
        Design("E9", 0.05, 0.05, "closer_to_zero")


def test_design_frame_rows_keep_their_columns_next_to_the_results() -> None:
    from supplyseg.experiments import evaluate_design_frame
    designs = pd.DataFrame({"experiment_id": ["E2", "E1"], "alpha": [0.05, 0.05],
                            "minimum_detectable_effect": [0.05, 0.05], "better_direction": ["higher", "higher"],
                            "description": ["second", "first"]})
    result = evaluate_design_frame(_random_panel(11, 5, 5, effect=0.1), designs)
    assert result["experiment_id"].tolist() == ["E1", "E2"]
    assert result["description"].tolist() == ["first", "second"]  # each design keeps its own row
    assert result.loc[0, "treatment_entity_count"] == 5 and result.loc[1, "treatment_entity_count"] == 0
