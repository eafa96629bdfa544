"""A/B tests of policy changes (issue 17 sections 7 and 9) end to end on the shared small build.

The demo data plants a policy effect (supplyseg/demo_data/planted_experiment.py, truth in _truth); the seed ships
the matching experiment EXP-01-PRIORITY-PICKING and an A/A experiment EXP-02-NULL-SPLIT. The mart must find the
planted effect with the right sign and an interval covering it, must not call the null experiment significant, and
must agree with an oracle that rebuilds the panel from the raw files (reference.kpis, reference.experiments) and
estimates by least squares.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SMALL_SEED, Build
from reference import experiments as reference_experiments
from reference import kpis as reference_kpis
from reference.settings import project_vars, seed
from supplyseg.demo_data import generate, planted_experiment

pytestmark = pytest.mark.e2e

PLANTED = "EXP-01-PRIORITY-PICKING"
NULL = "EXP-02-NULL-SPLIT"


@pytest.fixture(scope="module")
def results(small_build: Build) -> pd.DataFrame:
    return small_build.query("select * from marts.fct_policy_experiment_results").set_index("experiment_id")


@pytest.fixture(scope="module")
def truth(small_build: Build) -> dict:
    return json.loads((small_build.data_dir / "_truth" / planted_experiment.TRUTH_PARAMETERS).read_text())


def test_the_seeded_experiment_is_the_planted_one(truth: dict, small_build: Build) -> None:
    experiment = seed("policy_experiments").set_index("experiment_id").loc[PLANTED]
    assert (experiment["kpi_name"], experiment["start_date"], experiment["grain"]) == (
        truth["kpi_name"], truth["start_date"], truth["grain"])
    listed = set(seed("policy_experiment_entities").query("experiment_id == @PLANTED")["entity_id"])
    accounts = set(pd.read_csv(small_build.data_dir / "crm_accounts.csv", dtype=str)["global_account_id"])
    assert set(truth["treated_global_account_ids"]) == listed & accounts
    assert len(truth["treated_global_account_ids"]) >= 40


def test_the_planted_effect_is_found_with_the_right_sign_and_covered(results: pd.DataFrame, truth: dict) -> None:
    row = results.loc[PLANTED]
    assert row["did_estimate"] > 0
    assert row["ci_lower"] <= truth["effect"] <= row["ci_upper"], (row["ci_lower"], truth["effect"], row["ci_upper"])
    assert row["is_significant"] and row["p_value"] < row["alpha"]
    assert row["decision"] == "roll_out", row["decision_reason"]
    assert row["treatment_entity_count"] >= 40 and row["control_entity_count"] >= 80


def test_the_null_experiment_is_not_significant(results: pd.DataFrame) -> None:
    row = results.loc[NULL]
    assert row["p_value"] >= row["alpha"] and not row["is_significant"]
    assert row["ci_lower"] <= 0.0 <= row["ci_upper"]
    assert row["decision"] in ("inconclusive", "do_not_roll_out"), row["decision_reason"]
    # the split is a seeded half: both groups hold a fair share of the customers
    assert 0.35 <= row["treatment_entity_count"] / (row["treatment_entity_count"] + row["control_entity_count"]) <= 0.65


def test_results_match_the_oracle_from_the_raw_files(small_build: Build, results: pd.DataFrame) -> None:
    values = project_vars()
    lines = reference_kpis.measured_sales_lines(small_build.data_dir, values)
    periods = reference_kpis.kpi_periods(values, small_build.data_dir)
    listed = seed("policy_experiment_entities")
    for experiment in seed("policy_experiments").itertuples(index=False):
        design = pd.Series(experiment._asdict())
        changes = reference_experiments.entity_changes(
            lines, periods, design, set(listed.query("experiment_id == @experiment.experiment_id")["entity_id"]))
        estimate, standard_error = reference_experiments.did_least_squares(
            changes["change"].to_numpy(), changes["is_treatment"].to_numpy(), changes["weight"].to_numpy())
        row = results.loc[experiment.experiment_id]
        assert (row["treatment_entity_count"], row["control_entity_count"]) == (
            int(changes["is_treatment"].sum()), int((~changes["is_treatment"]).sum())), experiment.experiment_id
        assert row["did_estimate"] == pytest.approx(estimate, rel=1e-9, abs=1e-12), experiment.experiment_id
        assert row["standard_error"] == pytest.approx(standard_error, rel=1e-9), experiment.experiment_id


def test_random_split_matches_md5_shares(small_build: Build) -> None:
    panel = small_build.query(
        f"select distinct entity_id, split_share, experiment_group from intermediate.int_policy_experiment_panel"
        f" where experiment_id = '{NULL}'")
    expected = panel["entity_id"].map(lambda e: reference_experiments.split_share("20240701", e))
    assert np.allclose(panel["split_share"], expected, rtol=0, atol=1e-12)
    assert ((expected < 0.5) == (panel["experiment_group"] == "treatment")).all()


def test_only_deliveries_of_treated_customers_after_the_start_change(tmp_path: Path, small_build: Build,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planted_experiment, "EFFECT", 0.0)
    generate(scale="small", seed=SMALL_SEED, out_dir=tmp_path, fmt="csv")
    for name in ("order_lines", "customers", "crm_accounts", "inventory_snapshots", "forecasts"):
        assert (tmp_path / f"{name}.csv").read_bytes() == (small_build.data_dir / f"{name}.csv").read_bytes(), name
    without = pd.read_csv(tmp_path / "deliveries.csv", dtype=str)
    planted = pd.read_csv(small_build.data_dir / "deliveries.csv", dtype=str)
    assert without[["delivery_id", "delivered_quantity", "freight_cost"]].equals(
        planted[["delivery_id", "delivered_quantity", "freight_cost"]])
    changed = planted[(without != planted).any(axis=1)]
    assert len(changed) > 50
    key = ["business_unit_id", "order_id", "order_line_number"]
    orders = pd.read_csv(small_build.data_dir / "order_lines.csv", dtype=str).drop_duplicates(key)
    treated = pd.read_csv(small_build.data_dir / "_truth" / planted_experiment.TRUTH_ENTITIES, dtype=str)
    lines = changed[key].drop_duplicates().merge(orders, on=key, how="left")
    assert lines.merge(treated, on=["business_unit_id", "customer_id"]).shape[0] == len(lines)
    assert (lines["order_date"] >= planted_experiment.START_DATE.isoformat()).all()
    # made on time: the changed deliveries arrive by the requested date, except where the planted disruption
    # (planted_disruption.py, applied after the policy effect) made the line late again, by design.
    disruption = pd.read_csv(small_build.data_dir / "_truth" / "planted_disruption.csv", dtype=str).iloc[0]
    merged = changed.merge(lines[key + ["requested_date", "plant_id"]], on=key)
    disrupted = (merged["plant_id"] == disruption["plant_id"]) & merged["requested_date"].between(
        disruption["start_date"], disruption["end_date"])
    assert (merged.loc[~disrupted, "delivered_date"] <= merged.loc[~disrupted, "requested_date"]).all()
    assert (~disrupted).sum() > 50
