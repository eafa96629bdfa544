"""Segment governance end to end: overrides, approval gate, snapshot history, churn, static mode.

Expected values are worked out here with pandas from the seed file and from
the marts of earlier runs, never read back from the model under test:

- which overrides of ``seeds/governance/segment_overrides.csv`` are valid on a
  reference date (the same seed row is expired on one date and valid on
  another, so shifting var ``reference_date`` varies the case without editing
  the seed);
- that an override without approver stops ``dbt build`` (on a copy of the
  project whose seed lacks the approver, so the real seed is never touched);
- that two runs with different reference dates give two snapshot versions to
  every entity whose published segment or tier changed, and the churn that
  pandas computes from the two runs' ``fct_segment_assignments``;
- that static mode holds a segment until its review is due unless a trigger fires.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.e2e

OVERRIDES_SEED = PROJECT_DIR / "seeds" / "governance" / "segment_overrides.csv"
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
# Var reference_date defaults to auto: the last order date of the data. The small dataset's last order
# date is 2025-12-31 (the generator's timeline end); test_var_validation checks auto against the data.
assert PROJECT_VARS["reference_date"] == "auto"
DEFAULT_REFERENCE_DATE = pd.Timestamp("2025-12-31")
REVIEW_MONTHS = int(PROJECT_VARS["review_frequency_months"])
VALUE_CHANGE_THRESHOLD = float(PROJECT_VARS["static_review_value_change_threshold"])
# Files and folders of the project that a copy for a build does not need.
NOT_COPIED = (".venv", ".git", "target", "logs", "build", ".pytest_cache", "__pycache__", "dbt_packages")
KEY = ["grain", "entity_id"]
# As-of dates of the history runs: two dynamic runs, then a static one a month later (inside the data,
# which ends in December 2025; the completeness gates stop a run whose last month has no sales).
FIRST_RUN_DATE, SECOND_RUN_DATE, STATIC_RUN_DATE = "2025-06-30", "2025-10-31", "2025-11-30"


def query(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).df()


def read_overrides() -> pd.DataFrame:
    return pd.read_csv(OVERRIDES_SEED, dtype=str, keep_default_na=False).replace("", None)


def overrides_valid_on(overrides: pd.DataFrame, reference_date: pd.Timestamp) -> pd.DataFrame:
    """Overrides valid on a date: inside [valid_from, valid_to], approved by then, reason and approver given."""
    valid_from = pd.to_datetime(overrides["valid_from"])
    valid_to = pd.to_datetime(overrides["valid_to"]).fillna(pd.Timestamp.max)
    approved = pd.to_datetime(overrides["approved_date"])
    has_text = overrides["reason"].fillna("").str.strip().ne("") & overrides["approver"].fillna("").str.strip().ne("")
    mask = (valid_from <= reference_date) & (reference_date <= valid_to) & (approved <= reference_date) & has_text
    return overrides[mask]


def build(db_path: Path, data_dir: Path, target_path: Path, **dbt_vars) -> str:
    """``dbt build`` of the whole project on its own database file (as fast as any selection here)."""
    result = run_dbt(
        ["build"],
        db_path=db_path,
        raw_path=data_dir,
        dbt_vars=dbt_vars,
        target="ci",
        target_path=target_path,
    )
    return result.output


def assignments(db_path: Path) -> pd.DataFrame:
    return query(db_path, "select * from marts.fct_segment_assignments")


# --- Overrides ------------------------------------------------------------------


def check_overrides_applied(marts: pd.DataFrame, reference_date: pd.Timestamp) -> set[str]:
    """Assert the mart applies exactly the overrides valid on the date; return their ids."""
    valid = overrides_valid_on(read_overrides(), reference_date)
    # Only entities segmented in the run can be overridden.
    expected = valid.merge(marts[KEY], on=KEY, how="inner").set_index("override_id")
    applied = marts[marts["override_id"].notna()].set_index("override_id")
    assert set(applied.index) == set(expected.index)
    for override_id, seed_row in expected.iterrows():
        row = applied.loc[override_id]
        assert bool(row["is_overridden"])
        assert row["final_segment_code"] == seed_row["forced_segment_code"]
        assert row["override_forced_segment_code"] == seed_row["forced_segment_code"]
        if seed_row["forced_service_tier"] is not None:
            assert row["final_service_tier"] == int(seed_row["forced_service_tier"])
        else:
            assert row["final_service_tier"] == row["pre_override_service_tier"]
        assert row["override_reason"] == seed_row["reason"]
        assert row["override_contract_reference"] == seed_row["contract_reference"]
        assert pd.Timestamp(row["override_approved_date"]) == pd.Timestamp(seed_row["approved_date"])
        assert pd.Timestamp(row["override_valid_from"]) == pd.Timestamp(seed_row["valid_from"])
        assert f"OVERRIDE:{override_id}" in row["reason_codes"]
    not_overridden = marts[marts["override_id"].isna()]
    assert not not_overridden["is_overridden"].any()
    assert (not_overridden["final_segment_code"] == not_overridden["pre_override_segment_code"]).all()
    return set(applied.index)


def test_shipped_override_rows_reference_demo_entities(small_build) -> None:
    """The seed's example rows name entities the small dataset segments (valid, expired, future)."""
    marts = small_build.query("select grain, entity_id from marts.fct_segment_assignments")
    seed = read_overrides()
    present = seed.merge(marts, on=KEY, how="inner")
    assert set(present["override_id"]) == set(seed["override_id"])


def test_on_the_default_date_only_the_valid_override_applies(small_build) -> None:
    marts = small_build.query("select * from marts.fct_segment_assignments")
    applied = check_overrides_applied(marts, DEFAULT_REFERENCE_DATE)
    seed = read_overrides().set_index("override_id")
    # The shipped seed has one valid, one expired and one future row on the default date.
    assert applied == {"OVR-0001"}
    assert pd.Timestamp(seed.loc["OVR-0002", "valid_to"]) < DEFAULT_REFERENCE_DATE  # expired: ignored
    assert pd.Timestamp(seed.loc["OVR-0003", "valid_from"]) > DEFAULT_REFERENCE_DATE  # future: ignored
    expired = marts[(marts["grain"] == "customer") & (marts["entity_id"] == seed.loc["OVR-0002", "entity_id"])]
    assert expired["override_id"].isna().all()
    assert (expired["final_segment_code"] == expired["pre_override_segment_code"]).all()


def test_no_approver_or_personal_column_reaches_the_marts(small_build) -> None:
    approvers = set(read_overrides()["approver"].dropna())
    for mart in ("fct_segment_assignments", "dim_customer_segments", "dim_product_segments"):
        frame = small_build.query(f"select * from marts.{mart}")
        assert not [c for c in frame.columns if "approver" in c or c.startswith("contact_")]
        text_columns = frame.select_dtypes(include=["object", "str"])
        assert not text_columns.isin(approvers).any().any(), mart


def test_shifting_the_reference_date_applies_the_expired_override(small_data, tmp_path) -> None:
    """On 2025-03-31 the seed row that is expired on the default date is valid, and the other two are not."""
    reference_date = pd.Timestamp("2025-03-31")
    db_path = tmp_path / "shifted.duckdb"
    build(db_path, small_data, tmp_path / "target", reference_date=reference_date.date().isoformat())
    applied = check_overrides_applied(assignments(db_path), reference_date)
    assert applied == {"OVR-0002"}


# --- Approval gate ----------------------------------------------------------------


def test_an_override_without_approver_fails_the_build(small_data, tmp_path) -> None:
    project_copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project_copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    seed_path = project_copy / "seeds" / "governance" / "segment_overrides.csv"
    seed = read_overrides()
    seed.loc[seed["override_id"] == "OVR-0001", "approver"] = None
    seed.to_csv(seed_path, index=False)

    result = run_dbt(
        ["build", "--select", "segment_overrides+", "--indirect-selection", "cautious",
         "--project-dir", str(project_copy), "--profiles-dir", str(project_copy)],
        db_path=tmp_path / "gate.duckdb",
        raw_path=small_data,
        target="ci",
        target_path=tmp_path / "target",
        check=False,
    )
    assert not result.ok
    failed = [line for line in result.output.splitlines() if "FAIL" in line]
    assert any("assert_overrides_have_reason_and_approver" in line for line in failed), result.output[-3000:]
    # Nothing downstream of the seed is published.
    assert any("SKIP relation intermediate.int_segment_assignments_overrides_matched" in line
               for line in result.output.splitlines()), result.output[-3000:]


def test_guardrail_test_reads_padded_seed_values_as_the_model_does(small_build, tmp_path) -> None:
    """The model reads segment_guardrails.condition_value trimmed and case-insensitively, so the
    singular test assert_final_tiers_respect_guardrails must too: with padded values (" True ") in the
    seed and a model that stops trimming (so those rules never hold and 300+ customer-product tiers are
    not lifted), the singular test fails. Built on a copy of the project and of the small build."""
    project_copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project_copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    seed_path = project_copy / "seeds" / "governance" / "segment_guardrails.csv"
    seed_text = seed_path.read_text()
    for rule in ("customer_product,key_account,true,", "customer_product,has_service_clause,true,"):
        assert rule in seed_text, f"segment_guardrails.csv no longer has a rule {rule!r}"
        seed_text = seed_text.replace(rule, rule.replace(",true,", ',"  True ",'))
    seed_path.write_text(seed_text)
    model_path = project_copy / "models" / "intermediate" / "governance" / "int_segment_assignments_guardrailed.sql"
    model_text = model_path.read_text()
    assert model_text.count("lower(trim(guardrails.condition_value))") == 2
    model_path.write_text(model_text.replace("lower(trim(guardrails.condition_value))",
                                             "lower(guardrails.condition_value)"))
    db_path = tmp_path / "guardrails.duckdb"
    shutil.copyfile(small_build.db_path, db_path)

    result = run_dbt(
        ["build", "--select", "segment_guardrails+", "--indirect-selection", "cautious", "--exclude",
         "resource_type:snapshot", "--project-dir", str(project_copy), "--profiles-dir", str(project_copy)],
        db_path=db_path,
        raw_path=small_build.data_dir,
        target="ci",
        target_path=tmp_path / "target",
        check=False,
    )
    failed = [line for line in result.output.splitlines() if "FAIL" in line]
    assert any("assert_final_tiers_respect_guardrails" in line for line in failed), result.output[-3000:]


# --- History, churn and static mode -----------------------------------------------


@dataclass(frozen=True)
class TwoRuns:
    db_path: Path
    first: pd.DataFrame
    second: pd.DataFrame


@pytest.fixture(scope="module")
def two_runs(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """Two dynamic-mode builds into one database, as of FIRST_RUN_DATE then SECOND_RUN_DATE."""
    work = tmp_path_factory.mktemp("two_runs")
    db_path = work / "two_runs.duckdb"
    build(db_path, small_data, work / "target", reference_date=FIRST_RUN_DATE, run_id="run-first")
    first = assignments(db_path)
    build(db_path, small_data, work / "target", reference_date=SECOND_RUN_DATE, run_id="run-second")
    second = assignments(db_path)
    return TwoRuns(db_path, first, second)


def compare_runs(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Entities of the first run with their second-run segment (NaN when they left)."""
    columns = [*KEY, "final_segment_code", "final_service_tier"]
    return first[columns].merge(second[columns], on=KEY, how="left", suffixes=("_first", "_second"))


def test_second_run_reads_the_first_as_previous_state(two_runs) -> None:
    both = two_runs.first[[*KEY, "final_segment_code", "final_service_tier", "run_id"]].merge(
        two_runs.second, on=KEY, how="inner", suffixes=("_first", "")
    )
    assert (both["previous_run_id"] == "run-first").all()
    assert (both["previous_final_segment_code"] == both["final_segment_code_first"]).all()
    changed = (both["final_segment_code"] != both["final_segment_code_first"]) | (
        both["final_service_tier"] != both["final_service_tier_first"]
    )
    assert changed.any(), "the two windows should move some entities"
    assert (both["is_segment_changed_this_run"] == changed).all()


def test_snapshot_keeps_two_versions_of_changed_entities(two_runs) -> None:
    history = query(two_runs.db_path, "select * from history.segment_assignments")
    versions = history.groupby(KEY).size().rename("versions").reset_index()
    runs = compare_runs(two_runs.first, two_runs.second)
    runs["in_second"] = runs["final_segment_code_second"].notna()
    runs["changed"] = runs["in_second"] & (
        (runs["final_segment_code_first"] != runs["final_segment_code_second"])
        | (runs["final_service_tier_first"] != runs["final_service_tier_second"])
    )
    expected = runs.merge(versions, on=KEY, how="left")
    assert (expected.loc[expected["changed"], "versions"] == 2).all()
    assert (expected.loc[~expected["changed"], "versions"] == 1).all()
    assert expected["changed"].sum() > 0

    # The current version is the second run's assignment; the first is readable as of its snapshot time.
    current = history[history["dbt_valid_to"].isna()]
    merged = current.merge(two_runs.second[[*KEY, "final_segment_code"]], on=KEY, suffixes=("", "_second"))
    assert len(merged) == len(two_runs.second)
    assert (merged["final_segment_code"] == merged["final_segment_code_second"]).all()
    first_time = history["dbt_valid_from"].min()
    as_of_first = history[
        (history["dbt_valid_from"] <= first_time)
        & (history["dbt_valid_to"].isna() | (history["dbt_valid_to"] > first_time))
    ]
    back = as_of_first.merge(two_runs.first[[*KEY, "final_segment_code"]], on=KEY, suffixes=("", "_first"))
    assert len(back) == len(two_runs.first)
    assert (back["final_segment_code"] == back["final_segment_code_first"]).all()


def test_churn_matches_pandas_on_the_two_runs(two_runs) -> None:
    runs = compare_runs(two_runs.first, two_runs.second)
    runs["continuing"] = runs["final_segment_code_second"].notna()
    runs["changed"] = runs["continuing"] & (runs["final_segment_code_first"] != runs["final_segment_code_second"])
    expected = (
        runs.groupby(["grain", "final_segment_code_first"])
        .agg(
            from_entity_count=("entity_id", "size"),
            continuing_entity_count=("continuing", "sum"),
            segment_changed_entity_count=("changed", "sum"),
        )
        .reset_index()
        .rename(columns={"final_segment_code_first": "from_segment_code"})
    )
    expected["churn_share"] = expected["segment_changed_entity_count"] / expected["continuing_entity_count"]

    churn = query(two_runs.db_path, "select * from marts.fct_segment_churn")
    assert churn["to_snapshot_at"].nunique() == 1  # two runs: one pair
    assert set(churn["to_run_id"]) == {"run-second"}
    actual = churn.set_index(["grain", "from_segment_code"]).sort_index()
    expected = expected.set_index(["grain", "from_segment_code"]).sort_index()
    assert list(actual.index) == list(expected.index)
    for column in ("from_entity_count", "continuing_entity_count", "segment_changed_entity_count"):
        assert (actual[column].astype(int) == expected[column].astype(int)).all(), column
    pd.testing.assert_series_equal(actual["churn_share"], expected["churn_share"], check_names=False, atol=1e-12)


def test_static_mode_holds_segments_until_review_or_trigger(two_runs, small_data, tmp_path) -> None:
    """A third run one month later in static mode: no review is due, so only triggered entities move."""
    db_path = tmp_path / "static.duckdb"
    shutil.copyfile(two_runs.db_path, db_path)
    reference_date = pd.Timestamp(STATIC_RUN_DATE)
    build(db_path, small_data, tmp_path / "target", reference_date=STATIC_RUN_DATE, segment_mode="static")
    third = assignments(db_path)
    both = third.merge(two_runs.second, on=KEY, how="inner", suffixes=("", "_previous"))

    change = (both["abc_measure_value"] - both["abc_measure_value_previous"]).abs() / both[
        "abc_measure_value_previous"
    ].abs().replace(0, float("nan"))
    value_trigger = (change > VALUE_CHANGE_THRESHOLD) | (
        change.isna() & (both["abc_measure_value"] != both["abc_measure_value_previous"])
    ) | (both["abc_measure"] != both["abc_measure_previous"])
    new_trigger = both["is_new_entity"].fillna(False) | both["is_new_entity_previous"].fillna(False)
    override_trigger = both["override_id"].notna() | both["override_id_previous"].notna()
    due = pd.Timestamp(both["last_reviewed_date_previous"].iloc[0]) + pd.DateOffset(months=REVIEW_MONTHS)
    assert due > reference_date  # reviewed at the second run: the next review is months away
    # The guardrail trigger: a held tier worse than the strictest guardrail that holds now.
    guardrail_trigger = both["pre_override_service_tier_previous"] > both["strictest_guardrail_tier_limit"]

    triggered = new_trigger | override_trigger | value_trigger | guardrail_trigger
    assert (both["is_segment_held"] == ~triggered).all()
    held = both[~triggered]
    assert len(held) > 0 and len(both[triggered]) > 0
    assert (held["final_segment_code"] == held["final_segment_code_previous"]).all()
    assert (held["final_service_tier"] == held["final_service_tier_previous"]).all()
    assert (pd.to_datetime(held["last_reviewed_date"]) == pd.Timestamp(SECOND_RUN_DATE)).all()
    assert not held["is_segment_changed_this_run"].any()
    reviewed = both[triggered & ~override_trigger]
    assert (reviewed["pre_override_segment_code"] == reviewed["algorithmic_segment_code"]).all()
    assert (pd.to_datetime(reviewed["last_reviewed_date"]) == reference_date).all()


# --- Churn per run and per period, top movers (issue 17, section 3) ------------------------------------


def test_run_and_period_churn_shares_match_pandas_on_the_two_runs(two_runs) -> None:
    runs = compare_runs(two_runs.first, two_runs.second)
    runs["continuing"] = runs["final_segment_code_second"].notna()
    runs["changed"] = runs["continuing"] & (runs["final_segment_code_first"] != runs["final_segment_code_second"])
    expected = runs.groupby("grain").agg(continuing=("continuing", "sum"), changed=("changed", "sum"))
    expected["share"] = expected["changed"] / expected["continuing"]
    assert (expected["changed"] > 0).any()  # guard: the two windows move some entities

    churn = query(two_runs.db_path, "select * from marts.fct_segment_churn")
    per_run = churn.groupby("grain").agg(
        continuing=("run_continuing_entity_count", "max"), changed=("run_segment_changed_entity_count", "max"),
        share=("run_churn_share", "max"), distinct_shares=("run_churn_share", "nunique"))
    assert (per_run["distinct_shares"] == 1).all()  # one value per grain and run
    per_run = per_run.loc[expected.index]
    assert (per_run["continuing"] == expected["continuing"]).all()
    assert (per_run["changed"] == expected["changed"]).all()
    assert per_run["share"].to_numpy() == pytest.approx(expected["share"].to_numpy(), abs=1e-12)

    # One pair of runs, placed in the reporting month of the second run's reference date.
    by_period = query(two_runs.db_path, "select * from marts.fct_segment_churn_by_period").set_index("grain")
    assert set(by_period["period_end_date"].astype(str)) == {SECOND_RUN_DATE}
    by_period = by_period.loc[expected.index]
    assert (by_period["run_count"] == 1).all()
    assert (by_period["segment_changed_entity_count"] == expected["changed"]).all()
    assert by_period["churn_share"].to_numpy() == pytest.approx(expected["share"].to_numpy(), abs=1e-12)


def test_top_movers_are_the_changed_entities_of_largest_value(two_runs) -> None:
    top = int(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["segment_churn_top_movers"])
    second = two_runs.second[[*KEY, "final_segment_code", "abc_measure_value"]]
    runs = compare_runs(two_runs.first, two_runs.second).merge(second[[*KEY, "abc_measure_value"]], on=KEY)
    changed = runs[runs["final_segment_code_first"] != runs["final_segment_code_second"]].copy()
    changed["value"] = changed["abc_measure_value"].round(9)
    changed = changed.sort_values(["grain", "value", "entity_id"], ascending=[True, False, True])
    expected = changed.groupby("grain").head(top)
    movers = query(two_runs.db_path, "select * from marts.fct_segment_movers order by grain, mover_rank")
    assert len(movers) > 0
    assert list(zip(movers["grain"], movers["entity_id"])) == list(zip(expected["grain"], expected["entity_id"]))
    assert (movers["from_segment_code"].to_numpy() == expected["final_segment_code_first"].to_numpy()).all()
    assert (movers["to_segment_code"].to_numpy() == expected["final_segment_code_second"].to_numpy()).all()
