"""Governance review end to end: impact assessment, disputes with an SLA, approvals, fairness.

Expected values are worked out here, never read back from the model under test:

- the impact assessment between two builds that differ only in the weights seed lists exactly the
  entities whose final assignment (segment code or service tier) differs between the two builds'
  ``fct_segment_assignments``, compared here with pandas, and the policy changes that follow (items whose
  parameters differ in ``fct_item_policy_parameters``, promises in ``fct_atp_promises``) with the
  working-capital delta worked out from the two marts;
- between two builds that differ only in one policy's target service level, the impact lists exactly the
  items whose safety stock changed and a positive working-capital delta;
- which disputes of a hand-written governance file are overdue follows from their dates, the reference
  date of the small dataset and var dispute_sla_days (pandas); the accepted one is published as an
  override in the next build, and the build without the file has no such override;
- adding a protected attribute to a score dimension, a rule input or a clustering feature (on a copy of
  the project) stops the run with a message naming the attribute and the seed.

Candidate builds start from a copy of the shared small build and rebuild only what the changed input
feeds (``--select <input>+``), which is what a full build with that input would recompute.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.e2e

NOT_COPIED = (".venv", ".git", "target", "logs", "build", ".pytest_cache", "__pycache__", "dbt_packages")
PROJECT = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
PROJECT_VARS = PROJECT["vars"]
# The small dataset's reference date (var reference_date auto = the last order date, 2025-12-31).
REFERENCE_DATE = pd.Timestamp("2025-12-31")
KEY = ["grain", "entity_id"]


def query(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).df()


def copy_project(tmp_path: Path) -> Path:
    project_copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project_copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    return project_copy


def dbt_on_copy(command: list[str], project: Path | None, db_path: Path, raw_path: Path, tmp_path: Path,
                **dbt_vars) -> object:
    args = list(command)
    if project is not None:
        args += ["--project-dir", str(project), "--profiles-dir", str(project)]
    return run_dbt(args, db_path=db_path, raw_path=raw_path, dbt_vars=dbt_vars, target="ci",
                   target_path=tmp_path / "target", check=False)


# --- Impact assessment -----------------------------------------------------------------


@pytest.fixture(scope="module")
def weights_candidate(small_build, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(published db, candidate db, dbt output): the candidate differs from the small build only in the weights."""
    work = tmp_path_factory.mktemp("impact")
    published = work / "published.duckdb"
    candidate = work / "candidate.duckdb"
    shutil.copyfile(small_build.db_path, published)
    shutil.copyfile(small_build.db_path, candidate)
    project = copy_project(work)
    weights_path = project / "seeds" / "segmentation" / "segmentation_weights.csv"
    weights = pd.read_csv(weights_path)
    shifted = {("customer", "value"): 0.2, ("customer", "geography"): 0.5,
               ("product", "value"): 0.3, ("product", "service_sensitivity"): 0.6}
    for (grain, dimension), weight in shifted.items():
        mask = (weights["grain"] == grain) & (weights["dimension"] == dimension)
        assert mask.sum() == 1, f"segmentation_weights.csv has no row {grain}/{dimension}"
        weights.loc[mask, "weight"] = weight
    assert weights.groupby("grain")["weight"].sum().round(9).eq(1).all()
    weights.to_csv(weights_path, index=False)
    result = dbt_on_copy(["build", "--select", "segmentation_weights+", "--exclude", "resource_type:snapshot"],
                         project, candidate, small_build.data_dir, work,
                         impact_published_path=str(published), impact_published_database="published")
    assert result.ok, result.output[-4000:]
    return published, candidate, result.output


def test_impact_assessment_lists_exactly_the_entities_whose_assignment_changed(weights_candidate) -> None:
    published, candidate, _ = weights_candidate
    columns = "grain, entity_id, final_segment_code, final_service_tier"
    before = query(published, f"select {columns} from marts.fct_segment_assignments")
    after = query(candidate, f"select {columns} from marts.fct_segment_assignments")
    both = before.merge(after, on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    assert (both["_merge"] == "both").all(), "the weights change no entity's presence"
    code_changed = both["final_segment_code_before"] != both["final_segment_code_after"]
    tier_changed = both["final_service_tier_before"] != both["final_service_tier_after"]
    expected = set(map(tuple, both.loc[code_changed | tier_changed, KEY].to_numpy()))
    assert len(expected) > 20, "the shifted weights should move some entities"

    impact = query(candidate, "select * from intermediate.int_segment_impact_assessed")
    assert set(map(tuple, impact[KEY].to_numpy())) == expected
    assert set(map(tuple, impact.loc[impact["is_segment_changed"], KEY].to_numpy())) == set(
        map(tuple, both.loc[code_changed, KEY].to_numpy()))
    merged = impact.merge(both, on=KEY)
    assert (merged["published_service_tier"] == merged["final_service_tier_before"]).all()
    assert (merged["candidate_service_tier"] == merged["final_service_tier_after"]).all()
    assert (merged["published_segment_code"] == merged["final_segment_code_before"]).all()
    # The revenue affected is the customer's revenue of the dim.
    revenue = query(published, "select customer_segment_id as entity_id, revenue_rep_ccy from marts.dim_customer_segments")
    customers = merged[merged["grain"] == "customer"].merge(revenue, on="entity_id", suffixes=("", "_dim"))
    assert len(customers) > 0
    assert (customers["revenue_rep_ccy"] - customers["revenue_rep_ccy_dim"]).abs().max() < 1e-6


def test_change_notifications_name_old_and_new_assignment_for_each_affected_customer(weights_candidate) -> None:
    published, candidate, _ = weights_candidate
    before = query(published, "select entity_id, final_segment_code, final_service_tier from marts.fct_segment_assignments "
                              "where grain = 'customer'")
    after = query(candidate, "select entity_id, final_segment_code, final_service_tier from marts.fct_segment_assignments "
                             "where grain = 'customer'")
    both = before.merge(after, on="entity_id", suffixes=("_before", "_after"))
    changed = both[(both["final_segment_code_before"] != both["final_segment_code_after"])
                   | (both["final_service_tier_before"] != both["final_service_tier_after"])]
    # Customers that keep segment and tier but whose promises or priorities change are affected too.
    columns = "segment_customer_id, product_id, promised_lead_time_days, pick_priority, transport_priority"
    pairs = query(published, f"select {columns} from marts.fct_atp_promises").merge(
        query(candidate, f"select {columns} from marts.fct_atp_promises"), on=["segment_customer_id", "product_id"],
        suffixes=("_before", "_after"))
    differs = pd.Series(False, index=pairs.index)
    for column in ("promised_lead_time_days", "pick_priority", "transport_priority"):
        differs |= pairs[f"{column}_before"] != pairs[f"{column}_after"]
    policy_only = set(pairs.loc[differs, "segment_customer_id"]) - set(changed["entity_id"])
    notices = query(candidate, "select * from marts.fct_segment_change_notifications")
    templates = pd.read_csv(PROJECT_DIR / "seeds" / "governance" / "segment_change_notification_templates.csv")
    assert set(notices["customer_segment_id"]) == set(changed["entity_id"]) | policy_only
    assert len(notices) == (len(changed) + len(policy_only)) * templates["audience"].nunique()
    policy_notices = notices[notices["customer_segment_id"].isin(policy_only)]
    assert (policy_notices["change_kind"] == "policy_changed").all()
    assert (policy_notices["published_segment_code"] == policy_notices["candidate_segment_code"]).all()
    effective = (REFERENCE_DATE + pd.Timedelta(days=int(PROJECT_VARS["segment_change_notice_days"]))).strftime("%Y-%m-%d")
    for row in notices.merge(changed, left_on="customer_segment_id", right_on="entity_id").itertuples():
        assert effective in row.message and effective in row.subject
        if row.final_service_tier_before != row.final_service_tier_after:
            assert f"service tier {row.final_service_tier_before} becomes {row.final_service_tier_after}" in row.message
        assert row.final_segment_code_after in row.message
        assert "{" not in row.message


ITEM_KEY = ["product_id", "plant_id"]
PAIR_KEY = ["segment_customer_id", "product_id"]
ITEM_COLUMNS = ("product_id, plant_id, policy_id, target_cycle_service_level, safety_stock_method, "
                "safety_stock_quantity, reorder_point_quantity, lot_size_quantity, unit_value_rep_ccy, final_segment_code")


def policy_stock_value(items: pd.DataFrame) -> pd.Series:
    """Inventory value the policy implies per item (doc block policy_working_capital), worked out here."""
    value = (items["safety_stock_quantity"] + items["lot_size_quantity"] / 2) * items["unit_value_rep_ccy"]
    return value.where(items["safety_stock_method"] != "no_stock", 0.0).fillna(0.0)


def item_changes(published: Path, candidate: Path) -> pd.DataFrame:
    before = query(published, f"select {ITEM_COLUMNS} from marts.fct_item_policy_parameters")
    after = query(candidate, f"select {ITEM_COLUMNS} from marts.fct_item_policy_parameters")
    both = before.merge(after, on=ITEM_KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    for side in ("before", "after"):
        frame = both[[c for c in both.columns if c.endswith(f"_{side}")]].copy()
        frame.columns = [c[: -len(side) - 1] for c in frame.columns]
        both[f"value_{side}"] = policy_stock_value(frame).where(both["_merge"] != ("right_only" if side == "before"
                                                                                     else "left_only"), 0.0)
    ss_before, ss_after = both["safety_stock_quantity_before"], both["safety_stock_quantity_after"]
    both["ss_changed"] = (ss_after - ss_before).abs() > 1e-9 * pd.concat(
        [ss_before.abs(), ss_after.abs(), pd.Series(1.0, index=both.index)], axis=1).max(axis=1)
    both["level_changed"] = both["target_cycle_service_level_before"] != both["target_cycle_service_level_after"]
    return both


def summary(db_path: Path) -> dict[tuple[str, str], float]:
    rows = query(db_path, "select grain, measure, measure_value from marts.fct_segment_impact_summary")
    return {(row.grain, row.measure): row.measure_value for row in rows.itertuples()}


def test_impact_summary_counts_the_moved_entities_and_their_revenue(weights_candidate) -> None:
    published, candidate, _ = weights_candidate
    impact = query(candidate, "select * from intermediate.int_segment_impact_assessed")
    measures = summary(candidate)
    for grain, moved in impact.groupby("grain").size().items():
        assert measures[(grain, "entities_moved")] == moved
    revenue = query(published, "select customer_segment_id as entity_id, revenue_rep_ccy from marts.dim_customer_segments")
    moved_customers = impact.loc[impact["grain"] == "customer", "entity_id"]
    expected_revenue = revenue[revenue["entity_id"].isin(moved_customers)]["revenue_rep_ccy"].sum()
    assert measures[("customer", "revenue_affected_rep_ccy")] == pytest.approx(expected_revenue, rel=1e-9)
    assert {"policy_changed_items", "working_capital_delta_rep_ccy", "promise_changed_pairs"} <= {
        measure for _, measure in measures}
    run_ids = query(candidate, "select distinct current_published_run_id, candidate_run_id from marts.fct_segment_impact_summary")
    published_run = query(published, "select distinct run_id from marts.fct_item_policy_parameters")["run_id"]
    assert len(run_ids) == 1 and run_ids["current_published_run_id"][0] == published_run[0]


def test_policy_changes_follow_the_moved_products(weights_candidate) -> None:
    """Products that move segment change policy: the impact lists exactly the items whose parameters differ."""
    published, candidate, _ = weights_candidate
    both = item_changes(published, candidate)
    assert (both["_merge"] == "both").all()
    lot_changed = (both["lot_size_quantity_before"] - both["lot_size_quantity_after"]).abs() > 1e-6
    rop_changed = (both["reorder_point_quantity_before"] - both["reorder_point_quantity_after"]).abs() > 1e-6
    changed = both[both["ss_changed"] | both["level_changed"] | lot_changed | rop_changed
                   | (both["policy_id_before"] != both["policy_id_after"])]
    assert len(changed) > 5, "the moved products should change some items' policy"
    impact = query(candidate, "select * from intermediate.int_segment_impact_assessed_items")
    assert set(map(tuple, impact[ITEM_KEY].to_numpy())) == set(map(tuple, changed[ITEM_KEY].to_numpy()))
    moved = both["final_segment_code_before"] != both["final_segment_code_after"]
    merged = impact.merge(both.assign(moved=moved), on=ITEM_KEY)
    assert (merged["is_product_moved"] == merged["moved"]).all()
    # The working-capital delta: item by item, summed per plant and segment, and in the summary.
    expected_delta = (both["value_after"] - both["value_before"]).sum()
    assert merged["working_capital_delta_rep_ccy"].sum() == pytest.approx(expected_delta, rel=1e-6, abs=1e-6)
    by_plant = query(candidate, "select * from intermediate.int_segment_impact_assessed_working_capital")
    assert by_plant["working_capital_delta_rep_ccy"].sum() == pytest.approx(expected_delta, rel=1e-6, abs=1e-6)
    assert summary(candidate)[("item", "working_capital_delta_rep_ccy")] == pytest.approx(expected_delta, rel=1e-6,
                                                                                        abs=1e-6)


def test_notifications_say_how_promises_and_priorities_change(weights_candidate) -> None:
    published, candidate, _ = weights_candidate
    columns = "segment_customer_id, product_id, promised_lead_time_days, pick_priority, transport_priority"
    before = query(published, f"select {columns} from marts.fct_atp_promises")
    after = query(candidate, f"select {columns} from marts.fct_atp_promises")
    both = before.merge(after, on=PAIR_KEY, suffixes=("_before", "_after"))
    promise_moves = both[both["promised_lead_time_days_before"] != both["promised_lead_time_days_after"]]
    notices = query(candidate, "select * from marts.fct_segment_change_notifications")
    checked = 0
    for customer, notice in notices.groupby("customer_segment_id"):
        moves = promise_moves[promise_moves["segment_customer_id"] == customer]
        for message in notice["message"]:
            if moves.empty:
                assert "ATP promises unchanged" in message
                continue
            counts = moves.groupby(["promised_lead_time_days_before", "promised_lead_time_days_after"]).size()
            for (old, new), products in counts.items():
                noun = "product" if products == 1 else "products"
                text = f"ATP promise {int(old)} days becomes {int(new)} days ({products} {noun})"
                assert text in message, (text, message)
                checked += 1
            assert "{" not in message
    assert checked > 0, "some moved customer should have a changed promise"


# --- Impact of a policy-matrix change ----------------------------------------------------


SERVICE_LEVEL_POLICY = "POL-BX"
SERVICE_LEVEL_RAISED = 0.99


@pytest.fixture(scope="module")
def service_level_candidate(small_build, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(published db, candidate db): the candidate differs from the small build only in one policy's service level."""
    work = tmp_path_factory.mktemp("impact_policy")
    published = work / "published.duckdb"
    candidate = work / "candidate.duckdb"
    shutil.copyfile(small_build.db_path, published)
    shutil.copyfile(small_build.db_path, candidate)
    project = copy_project(work)
    matrix_path = project / "seeds" / "policy" / "policy_matrix.csv"
    matrix = pd.read_csv(matrix_path, dtype=str, keep_default_na=False)
    mask = matrix["policy_id"] == SERVICE_LEVEL_POLICY
    assert mask.sum() == 1 and float(matrix.loc[mask, "target_cycle_service_level"].iloc[0]) < SERVICE_LEVEL_RAISED
    matrix.loc[mask, "target_cycle_service_level"] = str(SERVICE_LEVEL_RAISED)
    matrix.to_csv(matrix_path, index=False)
    result = dbt_on_copy(["build", "--select", "policy_matrix+", "--exclude", "resource_type:snapshot"],
                         project, candidate, small_build.data_dir, work,
                         impact_published_path=str(published), impact_published_database="published")
    assert result.ok, result.output[-4000:]
    return published, candidate


def test_a_service_level_change_lists_the_items_whose_safety_stock_changed(service_level_candidate) -> None:
    published, candidate = service_level_candidate
    both = item_changes(published, candidate)
    assert (both["_merge"] == "both").all()
    expected_ss = set(map(tuple, both.loc[both["ss_changed"], ITEM_KEY].to_numpy()))
    expected_level = both[both["level_changed"]]
    assert set(expected_level["policy_id_before"]) == {SERVICE_LEVEL_POLICY}
    assert len(expected_ss) > 5 and expected_ss <= set(map(tuple, expected_level[ITEM_KEY].to_numpy()))

    impact = query(candidate, "select * from intermediate.int_segment_impact_assessed_items")
    assert set(map(tuple, impact.loc[impact["is_safety_stock_changed"], ITEM_KEY].to_numpy())) == expected_ss
    assert set(map(tuple, impact[ITEM_KEY].to_numpy())) == set(map(tuple, expected_level[ITEM_KEY].to_numpy()))
    assert (impact["candidate_target_cycle_service_level"] == SERVICE_LEVEL_RAISED).all()
    assert not impact["is_product_moved"].any()
    # A higher service level holds more stock: the working-capital delta is positive and matches the marts.
    expected_delta = (both["value_after"] - both["value_before"]).sum()
    assert expected_delta > 0
    measures = summary(candidate)
    assert measures[("item", "working_capital_delta_rep_ccy")] == pytest.approx(expected_delta, rel=1e-6)
    assert measures[("item", "safety_stock_changed_items")] == len(expected_ss)
    assert measures[("item", "policy_changed_items")] == len(expected_level)
    by_plant = query(candidate, "select * from intermediate.int_segment_impact_assessed_working_capital")
    assert set(by_plant.loc[by_plant["working_capital_delta_rep_ccy"].abs() > 1e-6, "final_segment_code"]) == {"BX"}
    # Nothing moved, so no entity, revenue or notification.
    assert all(value == 0 for (grain, measure), value in measures.items()
               if measure in ("entities_moved", "revenue_affected_rep_ccy"))
    assert len(query(candidate, "select * from marts.fct_segment_change_notifications")) == 0


def test_impact_assessment_rejects_a_database_name_that_is_not_an_identifier(small_build, tmp_path) -> None:
    db_path = tmp_path / "bad.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    result = dbt_on_copy(["build", "--select", "int_segment_impact_assessed"], None, db_path, small_build.data_dir,
                         tmp_path, impact_published_database='published"; drop schema marts cascade; --')
    assert not result.ok
    assert "Invalid var" in result.output and "impact_published_database" in result.output, result.output[-3000:]
    assert len(query(db_path, "select * from marts.fct_segment_assignments")) > 0


# --- Disputes ---------------------------------------------------------------------------


def write_challenges(folder: Path, accepted_entity: str, accepted_segment: str) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {"challenge_id": "DSP-OVERDUE", "grain": "customer", "entity_id": "GA-000003", "raised_by": "Key account manager",
         "raised_date": "2025-10-01", "reason": "Customer expects tier 1 under its new contract",
         "requested_segment_code": "AX", "requested_service_tier": "1", "status": "open"},
        {"challenge_id": "DSP-RECENT", "grain": "customer", "entity_id": "GA-000004", "raised_by": "Sales",
         "raised_date": "2025-12-20", "reason": "Volume rising", "requested_segment_code": "AX",
         "requested_service_tier": "", "status": "under_review"},
        {"challenge_id": "DSP-LATE-DECIDED", "grain": "customer", "entity_id": "GA-000005", "raised_by": "Sales",
         "raised_date": "2025-06-01", "reason": "Seasonal customer", "requested_segment_code": "BY",
         "requested_service_tier": "", "status": "rejected", "decision": "Data supports the segment",
         "decided_by": "Planning lead", "decided_date": "2025-09-01"},
        {"challenge_id": "DSP-ACCEPTED", "grain": "customer", "entity_id": accepted_entity, "raised_by": "Customer service",
         "raised_date": "2025-11-01", "reason": "Strategic account in a launch year",
         "requested_segment_code": accepted_segment, "requested_service_tier": "1", "status": "accepted",
         "decision": "Granted for the launch year", "decided_by": "Head of Supply Chain Planning",
         "decided_date": "2025-11-15", "override_valid_to": "2026-11-14"},
    ]
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / "segment_challenges.csv", index=False)
    return frame


def overdue_expected(challenges: pd.DataFrame, sla_days: int) -> set[str]:
    open_ = challenges["status"].isin(["open", "under_review"])
    due = pd.to_datetime(challenges["raised_date"]) + pd.Timedelta(days=sla_days)
    return set(challenges.loc[open_ & (REFERENCE_DATE > due), "challenge_id"])


@pytest.fixture(scope="module")
def disputes_build(small_build, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("disputes")
    db_path = work / "disputes.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    published = query(small_build.db_path, "select entity_id, final_segment_code, override_id "
                                           "from marts.fct_segment_assignments where grain = 'customer' "
                                           "and override_id is null and final_segment_code <> 'AX' "
                                           "order by entity_id limit 1")
    entity = published["entity_id"][0]
    challenges = write_challenges(work / "governance", entity, "AX")
    result = dbt_on_copy(["build", "--select", "stg_governance__segment_challenges+", "--exclude",
                          "resource_type:snapshot"], None, db_path, small_build.data_dir, work,
                         governance_path=str(work / "governance"))
    assert result.ok, result.output[-4000:]
    return db_path, challenges, entity


def test_overdue_disputes_are_flagged(disputes_build) -> None:
    db_path, challenges, _ = disputes_build
    flagged = query(db_path, "select challenge_id, is_overdue from marts.fct_segment_challenges")
    expected = overdue_expected(challenges, int(PROJECT_VARS["dispute_sla_days"]))
    assert expected == {"DSP-OVERDUE"}
    assert set(flagged.loc[flagged["is_overdue"], "challenge_id"]) == expected
    assert set(flagged["challenge_id"]) == set(challenges["challenge_id"])


def test_an_accepted_dispute_is_published_as_an_override(small_build, disputes_build) -> None:
    db_path, challenges, entity = disputes_build
    sql = ("select entity_id, override_id, final_segment_code, final_service_tier, reason_codes "
           "from marts.fct_segment_assignments where grain = 'customer' and entity_id = '{}'").format(entity)
    before = query(small_build.db_path, sql)
    after = query(db_path, sql)
    assert before["override_id"].isna().all() and before["final_segment_code"][0] != "AX"
    assert after["override_id"][0] == "DSP-ACCEPTED"
    assert after["final_segment_code"][0] == "AX" and after["final_service_tier"][0] == 1
    assert "OVERRIDE:DSP-ACCEPTED" in after["reason_codes"][0]
    override = query(db_path, "select * from intermediate.int_segment_overrides_unioned where override_id = 'DSP-ACCEPTED'")
    assert override["approver"][0] == "Head of Supply Chain Planning"
    assert str(override["valid_to"][0])[:10] == "2026-11-14"
    # Rejected and open disputes change nothing.
    others = query(db_path, "select override_id from marts.fct_segment_assignments where override_id like 'DSP-%'")
    assert set(others["override_id"]) == {"DSP-ACCEPTED"}
    # No personal column of the governance input reaches the mart.
    columns = set(query(db_path, "select * from marts.fct_segment_challenges limit 0").columns)
    assert not columns & {"raised_by", "decided_by"}


def test_an_accepted_dispute_without_decider_stops_the_build(small_build, tmp_path) -> None:
    db_path = tmp_path / "undecided.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    challenges = write_challenges(tmp_path / "governance", "GA-000010", "AX")
    challenges.loc[challenges["challenge_id"] == "DSP-ACCEPTED", "decided_by"] = ""
    challenges.to_csv(tmp_path / "governance" / "segment_challenges.csv", index=False)
    result = dbt_on_copy(["build", "--select", "stg_governance__segment_challenges+", "--exclude",
                          "resource_type:snapshot"], None, db_path, small_build.data_dir, tmp_path,
                         governance_path=str(tmp_path / "governance"))
    assert not result.ok
    failed = [line for line in result.output.splitlines() if "FAIL" in line]
    assert any("assert_accepted_challenges_are_decided" in line for line in failed), result.output[-3000:]


# --- Approvals ----------------------------------------------------------------------------


def test_config_version_var_is_the_project_version() -> None:
    assert str(PROJECT_VARS["governance_config_version"]) == str(PROJECT["version"])


def test_an_unapproved_config_version_warns(small_build, tmp_path) -> None:
    db_path = tmp_path / "approvals.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    approved = pd.read_csv(PROJECT_DIR / "seeds" / "governance" / "governance_approvals.csv", dtype=str)
    assert str(PROJECT_VARS["governance_config_version"]) in set(approved["config_version"])
    for version, expected in ((str(PROJECT_VARS["governance_config_version"]), "PASS"), ("99.0.0", "WARN")):
        result = dbt_on_copy(["test", "--select", "assert_running_config_version_is_approved"], None, db_path,
                             small_build.data_dir, tmp_path, governance_config_version=version)
        assert result.ok, result.output[-3000:]
        lines = [line for line in result.output.splitlines() if "assert_running_config_version_is_approved" in line]
        assert any(f"{expected} " in line for line in lines), result.output[-3000:]


# --- Fairness -----------------------------------------------------------------------------


def test_the_shipped_configuration_passes_the_fairness_check(small_build) -> None:
    assert "Fairness check: no protected attribute drives segmentation" in small_build.output


FAIRNESS_CASES = [
    # (seed file, row to append, how the message names the use)
    ("segmentation/segmentation_weights.csv", "customer,owner_gender,0.0", "score dimension"),
    ("governance/segment_guardrails.csv", "GR-999,customer,owner_age_band,true,3,Never", "guardrail rule input"),
    ("segmentation/cluster_features.csv", None, "clustering feature"),
    ("segmentation/cluster_segment_rules.csv", "customer,women_owned,1,Never", "cluster rule input"),
]


@pytest.mark.parametrize(("seed", "row", "use"), FAIRNESS_CASES, ids=[case[2] for case in FAIRNESS_CASES])
def test_a_protected_attribute_used_for_segmentation_stops_the_build(small_build, tmp_path, seed, row, use) -> None:
    project = copy_project(tmp_path)
    seed_path = project / "seeds" / seed
    if not seed_path.exists():
        pytest.skip(f"the project has no seed {seed} yet")
    text = seed_path.read_text()
    if row is None:
        # A clustering feature: copy the first feature row with its name replaced by the attribute.
        header, first = text.splitlines()[:2]
        names = header.split(",")
        column = next(name for name in ("feature_name", "feature") if name in names)
        values = first.split(",")
        values[names.index(column)] = "owner_ethnicity"
        row = ",".join(values)
    seed_path.write_text(text.rstrip("\n") + "\n" + row + "\n")
    attribute = next(name for name in ("owner_gender", "owner_age", "owner_ethnicity", "women_owned") if name in row)
    result = dbt_on_copy(["build", "--select", "int_reference_date"], project, tmp_path / "fair.duckdb",
                         small_build.data_dir, tmp_path)
    assert not result.ok
    assert "Fairness check failed" in result.output, result.output[-3000:]
    message = result.output[result.output.index("Fairness check failed"):]
    assert f"protected attribute '{attribute}' is used as a {use}" in message
    assert seed_path.stem in message
