"""Planning sanity checks (doc block planning_sanity_checks): each fails on a crafted bad policy seed and passes
on the shipped one.

The shipped seed is checked on the session's small build (``small_build``), where every sanity test must PASS.
Two crafted seeds are built one after the other on a copy of the project and of the small build's database
(the first stops the item parameters, which have no policy for some items, so the item-quantity defects get
their own seed): the policy seed is loaded again, everything downstream of it is rebuilt with ``dbt run`` (so
a failing error-severity test of the policy matching does not skip the models the sanity tests read) and then
the sanity tests run with ``policy_sanity_severity: error``. Each defect is aimed at one test, and the rows
each test rejects are checked to be those of its defect, so a test that fails for another reason does not
pass here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

POLICY_SEED = PROJECT_DIR / "seeds" / "policy" / "policy_matrix.csv"
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
MAX_MOQ_PERIODS = float(PROJECT_VARS["policy_sanity_max_lot_size_periods"])
MAX_SAFETY_STOCK_PERIODS = float(PROJECT_VARS["policy_sanity_max_safety_stock_periods"])
NOT_COPIED = (".venv", ".git", "target", "logs", "build", ".pytest_cache", "__pycache__", "dbt_packages")
SANITY_TESTS = (
    "sanity_every_final_segment_has_a_policy",
    "sanity_no_item_has_two_policies",
    "sanity_review_period_fits_planning_calendar",
    "sanity_atp_promise_covers_lead_time",
    "sanity_moq_within_periods_of_demand",
    "sanity_safety_stock_within_periods_of_demand",
    "sanity_lot_size_within_periods_of_demand",
)


def shipped_policy_seed() -> pd.DataFrame:
    seed = pd.read_csv(POLICY_SEED, dtype=str, keep_default_na=False)
    by_id = seed.set_index("policy_id")
    for policy_id in ("POL-DEFAULT", "POL-BY", "POL-AX", "POL-CZ", "POL-CX", "POL-BX"):
        assert policy_id in by_id.index, f"policy_matrix.csv no longer has {policy_id}; adapt the crafted seed"
    assert by_id.loc["POL-CZ", "stocking_strategy"] == "make_to_order"
    assert by_id.loc["POL-CX", "moq_rule"] == "periods_of_demand"
    return seed


def crafted_matching_defects() -> pd.DataFrame:
    """The shipped policy matrix with the defects of the matching checks (segment, tier, review, ATP)."""
    seed = shipped_policy_seed()
    # No policy: BY products lose their row and the catch-all default row is gone.
    seed = seed[~seed["policy_id"].isin(["POL-DEFAULT", "POL-BY"])].copy()
    # Review period that is not a whole number of weekly buckets.
    seed.loc[seed["policy_id"] == "POL-AX", "review_period_days"] = "10"
    # A make-to-order promise of 3 days, shorter than any product's lead time.
    seed.loc[seed["policy_id"] == "POL-CZ", "atp_lead_time_days"] = "3"
    # Two equally specific rows for AX and any tier: AX items of tiers 2-4 carry two policies.
    duplicate = seed[seed["policy_id"] == "POL-AX"].copy()
    duplicate["policy_id"] = "POL-AX-DUPLICATE"
    return pd.concat([seed, duplicate], ignore_index=True)


def crafted_quantity_defects() -> pd.DataFrame:
    """The shipped policy matrix with the defects of the item-quantity checks (MOQ, safety stock). Built apart:
    items without a policy (the first seed) stop the item parameters, which these checks read."""
    seed = shipped_policy_seed()
    # An MOQ of 50 periods of demand (the limit is var policy_sanity_max_lot_size_periods): the MOQ check fails, and
    # so does the lot-size check, since the MOQ lifts the lot (batch) above the limit for every CX item whose pack
    # is not itself larger.
    assert MAX_MOQ_PERIODS < 50
    seed.loc[seed["policy_id"] == "POL-CX", "moq_periods_of_demand"] = "50"
    # A cycle service level of 99.99 %: z = 3.72 instead of 1.64 lifts the largest BX safety stocks (11 periods
    # of demand on the small data) above var policy_sanity_max_safety_stock_periods.
    seed.loc[seed["policy_id"] == "POL-BX", "target_cycle_service_level"] = "0.9999"
    return seed


MATCHING_TESTS = SANITY_TESTS[:4]
QUANTITY_TESTS = SANITY_TESTS[4:]


def sanity_results(target: Path) -> dict[str, dict]:
    """Name of each data test in a run_results.json -> its result."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r for r in results if r["unique_id"].startswith("test.")}


def read_rows(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def bad_seed_build(small_build, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both crafted seeds, one after the other, on one copy of the project and of the small build."""
    work = tmp_path_factory.mktemp("bad_policy_seed")
    project_copy = work / "project"
    shutil.copytree(PROJECT_DIR, project_copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    db_path = work / "bad_policy.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    common = ["--project-dir", str(project_copy), "--profiles-dir", str(project_copy)]
    options = dict(db_path=db_path, raw_path=small_build.data_dir, target="ci",
                   dbt_vars={"policy_sanity_severity": "error"})
    outcome: dict = {"results": {}, "output": ""}
    phases = (
        # The new-entity policies leave out too: a policy gap there stops `dbt build` at their own test.
        ("matching", crafted_matching_defects(), MATCHING_TESTS,
         ["--exclude", "int_item_demand_quantiles+", "int_new_entity_policies_matched+"]),
        ("quantity", crafted_quantity_defects(), QUANTITY_TESTS, []),
    )
    for phase, seed, tests, exclude in phases:
        seed.to_csv(project_copy / "seeds" / "policy" / "policy_matrix.csv", index=False)
        run_dbt(["seed", "--select", "policy_matrix", *common], target_path=work / f"seed_{phase}", **options)
        run_dbt(["run", "--select", "policy_matrix+", *exclude, *common], target_path=work / f"run_{phase}",
                **options)
        tested = run_dbt(["test", "--select", *tests, *common], target_path=work / f"test_{phase}", check=False,
                         **options)
        outcome["results"].update(sanity_results(work / f"test_{phase}"))
        outcome["output"] += tested.output
        if phase == "matching":
            outcome["pairs"] = read_rows(db_path, "select * from intermediate.int_customer_product_policies")
            outcome["promises"] = read_rows(db_path, "select * from intermediate.int_atp_promises")
        else:
            outcome["master"] = read_rows(db_path, "select * from marts.erp_material_master where mrp_type <> 'ND'")
            outcome["items"] = read_rows(db_path, "select * from marts.fct_item_policy_parameters "
                                                  "where safety_stock_method <> 'no_stock'")
    return outcome


@pytest.mark.parametrize("name", SANITY_TESTS)
def test_sanity_test_passes_on_the_shipped_seed(small_build, name: str) -> None:
    passed = re.search(rf"\bPASS {name}\b", small_build.output)
    assert passed, f"{name} did not pass on the shipped seed (or did not run):\n{small_build.output[-3000:]}"


@pytest.mark.parametrize("name", SANITY_TESTS)
def test_sanity_test_fails_on_the_crafted_seed(bad_seed_build, name: str) -> None:
    results = bad_seed_build["results"]
    assert name in results, f"{name} did not run:\n{bad_seed_build['output'][-3000:]}"
    assert results[name]["status"] == "fail", (name, results[name]["status"], results[name].get("message"))
    assert results[name]["failures"] > 0


def test_each_sanity_test_fails_for_its_defect(bad_seed_build) -> None:
    """The rows the tests reject are those the crafted defects aim at, worked out here from the seed."""
    pairs = bad_seed_build["pairs"]
    segmented = pairs.dropna(subset=["product_segment_code", "customer_service_tier"])
    no_policy = segmented[segmented["matched_policy_count"] == 0]
    assert set(no_policy["product_segment_code"]) == {"BY"}
    two = segmented[segmented["matched_policy_count"] > 1]
    assert not two.empty
    assert set(two["product_segment_code"]) == {"AX"} and set(two["customer_service_tier"]) <= {2, 3, 4}
    bad_review = segmented[segmented["review_period_days"].notna() & (segmented["review_period_days"] % 7 != 0)]
    assert set(bad_review["policy_id"]) == {"POL-AX"}
    promises = bad_seed_build["promises"]
    short = promises[promises["stocking_strategy"].eq("make_to_order")
                     & (promises["policy_atp_lead_time_days"] < promises["product_lead_time_days"])]
    assert set(short["policy_id"]) == {"POL-CZ"}
    # The promise itself is floored at the product lead time for make to order (doc block atp_promise).
    floored = promises[promises["policy_id"] == "POL-CZ"]
    assert (floored["promised_lead_time_days"] >= floored["product_lead_time_days"]).all()
    assert set(floored["promise_basis"]) == {"product_lead_time_floor"}
    master = bad_seed_build["master"]
    big_moq = master[(master["minimum_lot_size_rule"] == "periods_of_demand")
                     & (master["minimum_lot_size_quantity"] > MAX_MOQ_PERIODS * master["demand_per_period_mean"])]
    assert not big_moq.empty and set(big_moq["policy_id"]) == {"POL-CX"}
    big_stock = master[master["safety_stock_quantity"] > MAX_SAFETY_STOCK_PERIODS * master["demand_per_period_mean"]]
    assert not big_stock.empty and set(big_stock["policy_id"]) == {"POL-BX"}
    items = bad_seed_build["items"]
    pack = items["pack_size_quantity"]
    lot_limit = np.maximum(np.ceil(np.round(MAX_MOQ_PERIODS * items["demand_per_period_mean"] / pack, 9)) * pack, pack)
    big_lot = items[items["lot_size_quantity"] > lot_limit * (1 + 1e-9)]
    assert not big_lot.empty and set(big_lot["policy_id"]) == {"POL-CX"}
    assert bad_seed_build["results"]["sanity_lot_size_within_periods_of_demand"]["failures"] == len(big_lot)


def test_lot_size_check_excuses_only_lots_the_pack_forces(small_build) -> None:
    """On the shipped seed some stocked items have a pack larger than N periods of demand: their lot exceeds N
    periods, they are flagged is_lot_size_pack_forced, and the lot-size check passes (test above) because the
    lot is exactly the pack-rounded minimum; every other stocked lot stays within N periods of demand."""
    items = small_build.query("select * from marts.fct_item_policy_parameters where safety_stock_method <> 'no_stock'")
    limit = MAX_MOQ_PERIODS * items["demand_per_period_mean"]
    above = items[items["lot_size_quantity"] > limit * (1 + 1e-9) + 1e-9]
    forced = items[items["pack_size_quantity"] > limit]
    assert len(forced) > 10
    assert set(forced.index) == set(items[items["is_lot_size_pack_forced"]].index)
    unforced_above = above[~above["is_lot_size_pack_forced"]]
    # Lots above N periods without a forcing pack are only the rounding of N periods up to the next whole pack.
    assert (unforced_above["lot_size_quantity"] - limit[unforced_above.index] < unforced_above["pack_size_quantity"]).all()
    # A pack-forced lot is one pack: the pack alone puts it above N periods.
    assert (forced["lot_size_quantity"] == forced["pack_size_quantity"]).all()
    assert set(forced.index) <= set(above.index)
