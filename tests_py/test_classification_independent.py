"""ABC, XYZ and demand patterns of the dbt build checked against an independent pandas implementation
(tests_py/reference/classification.py) and against the generator's true demand patterns.

The reference starts from order lines and analysis periods that tests_py/reference derives from the raw
files, the seeds and the vars (reference.order_lines, reference.periods), reads the seeds from their CSV
files and the vars from dbt_project.yml (the small build runs with the defaults), so nothing it compares
was computed by the models under test. test_reference_integration.py checks those raw-derived lines and
periods against int_order_lines_consolidated and int_analysis_periods.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from reference import order_lines as reference_lines
from reference import periods as reference_periods
from reference import classification as ref
from supplyseg.dbt_runner import run_dbt
from supplyseg.reports.pattern_accuracy import pattern_accuracy, read_truth

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_DIR / "seeds" / "segmentation"
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12  # for values that should be 0 (a CV of a constant series)
MIN_HISTORY_FOR_TRUTH = 24
# Measured on the small build with the default vars (docs/xyz_and_demand_patterns.md): 142 of 142 products
# with 24 periods of history, the 11 discontinued ones included; 0.99 allows one miss.
REQUIRED_TRUTH_ACCURACY = 0.99

pytestmark = pytest.mark.e2e

VARIABILITY_NUMBERS = (
    "series_start_period_number", "series_end_period_number", "first_demand_period_number",
    "last_demand_period_number", "history_period_count", "demand_period_count",
    "mean_demand_per_period", "stddev_demand_per_period", "coefficient_of_variation", "average_demand_interval",
    "mean_nonzero_demand", "stddev_nonzero_demand", "cv_squared_nonzero", "coefficient_of_variation_decayed",
)
VARIABILITY_LABELS = (
    "lifecycle_status", "xyz_class_undecayed", "demand_pattern", "is_new_entity", "is_provisional", "xyz_class_decayed", "xyz_class",
)


@pytest.fixture(scope="module")
def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


@pytest.fixture(scope="module")
def analysis_periods(small_build, project_vars) -> pd.DataFrame:
    """The analysis periods of the reporting calendar, from the vars (and the raw files for reference_date auto)."""
    return reference_periods.analysis_periods(project_vars, small_build.data_dir)


@pytest.fixture(scope="module")
def window_lines(small_build, project_vars, analysis_periods) -> pd.DataFrame:
    """The usable order lines in the window, derived from the raw files, seeds and vars."""
    lines = reference_lines.consolidated_order_lines(small_build.data_dir, project_vars)
    return reference_periods.lines_in_window(lines, analysis_periods)


@pytest.fixture(scope="module")
def period_count(analysis_periods) -> int:
    return len(analysis_periods)


@pytest.fixture(scope="module")
def period_days(small_build) -> np.ndarray:
    """Length in days of analysis periods 1..N (for demand normalised by period length)."""
    return small_build.query(
        "select days_in_period from intermediate.int_analysis_periods order by window_period_number"
    )["days_in_period"].to_numpy(dtype="float64")


def line_rules(project_vars: dict) -> ref.LineRules:
    return ref.LineRules(
        returns_handling=project_vars["returns_handling"],
        outlier_exclude_from_value=bool(project_vars["outlier_exclude_from_value"]),
        outlier_exclude_from_variability=bool(project_vars["outlier_exclude_from_variability"]),
    )


def conventions(project_vars: dict) -> ref.VariabilityConventions:
    return ref.VariabilityConventions(
        adi_window=project_vars["adi_window"],
        cv_deviation=project_vars["cv_deviation"],
        min_history_periods=int(project_vars["min_history_periods"]),
        new_entity_provisional_xyz_class=project_vars["new_entity_provisional_xyz_class"],
        decay_half_life_periods=project_vars["decay_half_life_periods"],
        phased_out_after_periods=int(project_vars["phased_out_after_periods"]),
        normalise_demand_by_period_length=bool(project_vars["normalise_demand_by_period_length"]),
    )


def assert_close(actual: pd.Series, expected: pd.Series, label: str) -> None:
    """Numbers equal within 1e-9 relative (or both missing); lists the first disagreements."""
    a = pd.to_numeric(actual, errors="coerce").astype("float64").to_numpy()
    e = pd.to_numeric(expected, errors="coerce").astype("float64").to_numpy()
    both_missing = np.isnan(a) & np.isnan(e)
    close = np.isclose(a, e, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE) | both_missing
    if not close.all():
        bad = np.flatnonzero(~close)[:5]
        raise AssertionError(
            f"{label}: {int((~close).sum())} of {len(a)} rows differ, e.g. "
            + "; ".join(f"{actual.index[i]}: dbt {a[i]!r} vs reference {e[i]!r}" for i in bad)
        )


def assert_equal(actual: pd.Series, expected: pd.Series, label: str) -> None:
    """Labels equal (missing equals missing); lists the first disagreements."""
    a = actual.astype(object).where(actual.notna(), None)
    e = expected.astype(object).where(expected.notna(), None)
    differ = [i for i in range(len(a)) if a.iloc[i] != e.iloc[i]]
    if differ:
        raise AssertionError(
            f"{label}: {len(differ)} of {len(a)} rows differ, e.g. "
            + "; ".join(f"{actual.index[i]}: dbt {a.iloc[i]!r} vs reference {e.iloc[i]!r}" for i in differ[:5])
        )


def test_abc_classes_match_reference_for_every_grain(small_build, window_lines, project_vars) -> None:
    measures = pd.read_csv(SEEDS_DIR / "abc_measures.csv")
    thresholds = pd.read_csv(SEEDS_DIR / "abc_thresholds.csv")
    dbt_abc = small_build.query(
        "select grain, entity_id, measure_used, abc_class_crossing_item_lower, abc_class_crossing_item_upper "
        "from intermediate.int_segment_entities_abc_classified"
    )
    rules = line_rules(project_vars)
    grains = project_vars["segmentation_grains"]
    assert sorted(dbt_abc["grain"].unique()) == sorted(grains)
    for grain in grains:
        config = measures.set_index("grain").loc[grain]
        values = ref.abc_measure_values(window_lines, grain, rules)
        used = ref.abc_measure_used(values, config["measure"], config["fallback_measure"])
        expected = ref.abc_classes(values[used], thresholds[thresholds["grain"] == grain])
        actual = dbt_abc[dbt_abc["grain"] == grain].set_index("entity_id").sort_index()
        expected = expected.sort_index()
        assert actual.index.tolist() == expected.index.tolist(), f"{grain}: entities differ"
        dbt_measures = set(actual["measure_used"])
        assert dbt_measures == {used}, f"{grain}: dbt ranks on {dbt_measures}, the reference on {used}"
        for column in ("abc_class_crossing_item_lower", "abc_class_crossing_item_upper"):
            assert_equal(actual[column], expected[column], f"{grain} {column}")


def test_variability_matches_reference_for_every_grain(
    small_build, window_lines, project_vars, period_count, period_days
) -> None:
    xyz_limits = pd.read_csv(SEEDS_DIR / "xyz_thresholds.csv")
    cutoffs = pd.read_csv(SEEDS_DIR / "demand_pattern_cutoffs.csv")
    dbt_variability = small_build.query("select * from intermediate.int_segment_entities_variability_classified")
    rules = line_rules(project_vars)
    settings = conventions(project_vars)
    grains = project_vars["segmentation_grains"]
    assert sorted(dbt_variability["grain"].unique()) == sorted(grains)
    for grain in grains:
        demand = ref.demand_by_period(window_lines, grain, rules)
        expected = ref.variability_classes(demand, period_count, settings, xyz_limits, cutoffs, period_days)
        expected = expected.set_index("entity_id").sort_index()
        actual = dbt_variability[dbt_variability["grain"] == grain].set_index("entity_id").sort_index()
        assert actual.index.tolist() == expected.index.tolist(), f"{grain}: entities differ"
        for column in VARIABILITY_NUMBERS:
            assert_close(actual[column], expected[column], f"{grain} {column}")
        for column in VARIABILITY_LABELS:
            assert_equal(actual[column], expected[column], f"{grain} {column}")
        assert set(actual["adi_window"]) == {settings.adi_window}
        assert set(actual["cv_deviation"]) == {settings.cv_deviation}
        assert set(actual["is_demand_normalised_by_period_length"]) == {settings.normalise_demand_by_period_length}


ALTERNATIVE_CONVENTIONS = (
    {"adi_window": "whole_window", "cv_deviation": "sample", "decay_half_life_periods": 6,
     "min_history_periods": 3, "new_entity_provisional_xyz_class": "Y"},
    {"adi_window": "from_first_demand", "cv_deviation": "population", "decay_half_life_periods": 3,
     "phased_out_after_periods": 6},
    {"adi_window": "between_demands", "cv_deviation": "sample", "normalise_demand_by_period_length": False,
     "phased_out_after_periods": 3, "decay_half_life_periods": 4},
)


@pytest.mark.parametrize(
    "overrides", ALTERNATIVE_CONVENTIONS,
    ids=["whole_window-sample-decay6", "from_first_demand-decay3-phased6", "between_demands-sample-raw-phased3"],
)
def test_variability_matches_reference_under_other_conventions(
    small_build, window_lines, project_vars, period_count, period_days, overrides, tmp_path
) -> None:
    """The other conventions (var adi_window, cv_deviation, decay, new-entity rule, phase-out horizon,
    normalisation by period length) agree as well: the two variability models are rebuilt with the vars
    on a copy of the small build."""
    db_path = tmp_path / "conventions.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    run_dbt(
        ["run", "-s", "int_demand_by_period_filled", "int_segment_entities_variability_classified"],
        db_path=db_path, raw_path=small_build.data_dir, dbt_vars=overrides, target="ci",
        target_path=tmp_path / "target",
    )
    rebuilt = type(small_build)(db_path=db_path, data_dir=small_build.data_dir, output="")
    test_variability_matches_reference_for_every_grain(
        rebuilt, window_lines, {**project_vars, **overrides}, period_count, period_days
    )


def test_whole_window_equals_the_library_convention(small_build, window_lines, project_vars, tmp_path) -> None:
    """adi_window whole_window with population deviation and no normalisation is the common library
    convention, computed here directly on each product's demand over the whole window: ADI = periods in
    the window / periods with demand, CV² = (population standard deviation / mean)² of the non-zero demands."""
    overrides = {"adi_window": "whole_window", "cv_deviation": "population", "normalise_demand_by_period_length": False}
    db_path = tmp_path / "library.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    run_dbt(
        ["run", "-s", "int_demand_by_period_filled", "int_segment_entities_variability_classified"],
        db_path=db_path, raw_path=small_build.data_dir, dbt_vars=overrides, target="ci",
        target_path=tmp_path / "target",
    )
    rebuilt = type(small_build)(db_path=db_path, data_dir=small_build.data_dir, output="")
    actual = rebuilt.query(
        "select entity_id, average_demand_interval, cv_squared_nonzero "
        "from intermediate.int_segment_entities_variability_classified where grain = 'product'"
    ).set_index("entity_id").sort_index()
    n_periods = int(rebuilt.query("select count(*) as n from intermediate.int_analysis_periods")["n"].iloc[0])
    demand = ref.demand_by_period(window_lines, "product", line_rules(project_vars))
    rows = {}
    for entity_id, periods in demand.groupby("entity_id"):
        nonzero = periods["demand_quantity"].to_numpy()
        nonzero = nonzero[nonzero > 0]
        if len(nonzero):
            rows[entity_id] = (n_periods / len(nonzero), (nonzero.std() / nonzero.mean()) ** 2)
        else:
            rows[entity_id] = (math.nan, math.nan)
    expected = pd.DataFrame.from_dict(rows, orient="index", columns=["adi", "cv_squared"]).sort_index()
    assert actual.index.tolist() == expected.index.tolist()
    assert_close(actual["average_demand_interval"], expected["adi"], "library ADI")
    assert_close(actual["cv_squared_nonzero"], expected["cv_squared"], "library CV²")


def test_small_data_shows_every_pattern(small_build) -> None:
    """Guard against a vacuous comparison: the small build has every demand pattern somewhere and all
    four SBC patterns at the product grain."""
    patterns = small_build.query(
        "select grain, demand_pattern from intermediate.int_segment_entities_variability_classified "
        "group by grain, demand_pattern"
    )
    assert set(patterns["demand_pattern"]) == set(ref.PATTERNS)
    product_patterns = set(patterns.loc[patterns["grain"] == "product", "demand_pattern"])
    assert {"smooth", "erratic", "intermittent", "lumpy"} <= product_patterns


def test_patterns_recover_generator_truth(small_build) -> None:
    """Products with at least 24 monthly periods of history get the generator's pattern for >= 99%, and so
    do the products the generator discontinued before the window end (the pattern of their active life)."""
    patterns = small_build.query(
        "select entity_id, history_period_count, demand_pattern, lifecycle_status "
        "from intermediate.int_segment_entities_variability_classified where grain = 'product'"
    )
    result = pattern_accuracy(read_truth(small_build.data_dir / "_truth"), patterns, MIN_HISTORY_FOR_TRUTH)
    assert len(result.products) > 50, "too few products with 24 periods of history to judge"
    assert not math.isnan(result.accuracy)
    assert result.accuracy >= REQUIRED_TRUTH_ACCURACY, result.to_text()
    discontinued = result.discontinued
    assert len(discontinued) >= 5, "too few discontinued products to judge"
    assert result.discontinued_correct / len(discontinued) >= REQUIRED_TRUTH_ACCURACY, result.to_text()


def test_lifecycle_status_matches_generator_truth(small_build, project_vars) -> None:
    """A product whose true life ended at least phased_out_after_periods months before the window end has
    no demand since, so it must be phased_out; a product still active in the last month of the window must
    not be (measured: none is)."""
    horizon = int(project_vars["phased_out_after_periods"])
    status = small_build.query(
        "select entity_id, lifecycle_status from intermediate.int_segment_entities_variability_classified "
        "where grain = 'product'"
    )
    truth = read_truth(small_build.data_dir / "_truth")
    last_month = pd.to_datetime(truth["last_month"])
    months_silent = (last_month.max().year - last_month.dt.year) * 12 + (last_month.max().month - last_month.dt.month)
    merged = truth.assign(months_silent=months_silent).merge(status, left_on="product_id", right_on="entity_id")
    long_gone = merged[merged["months_silent"] >= horizon]
    still_selling = merged[merged["months_silent"] == 0]
    assert len(long_gone) >= 3 and len(still_selling) > 50, "too few products to judge"
    assert (long_gone["lifecycle_status"] == "phased_out").all(), long_gone.head().to_string()
    wrongly = still_selling[still_selling["lifecycle_status"] == "phased_out"]
    assert wrongly.empty, wrongly.to_string()
