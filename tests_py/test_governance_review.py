"""Governance review end to end: impact assessment, disputes with an SLA, approvals, fairness.

Expected values are worked out here, never read back from the model under test:

- the impact assessment between two builds that differ only in the weights seed lists exactly the
  entities whose final assignment (segment code or service tier) differs between the two builds'
  ``fct_segment_assignments``, compared here with pandas;
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
    notices = query(candidate, "select * from marts.fct_segment_change_notifications")
    templates = pd.read_csv(PROJECT_DIR / "seeds" / "governance" / "segment_change_notification_templates.csv")
    assert set(notices["customer_segment_id"]) == set(changed["entity_id"])
    assert len(notices) == len(changed) * templates["audience"].nunique()
    effective = (REFERENCE_DATE + pd.Timedelta(days=int(PROJECT_VARS["segment_change_notice_days"]))).strftime("%Y-%m-%d")
    for row in notices.merge(changed, left_on="customer_segment_id", right_on="entity_id").itertuples():
        assert effective in row.message and effective in row.subject
        if row.final_service_tier_before != row.final_service_tier_after:
            assert f"service tier {row.final_service_tier_before} becomes {row.final_service_tier_after}" in row.message
        assert row.final_segment_code_after in row.message
        assert "{" not in row.message


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
