"""Each deliberate break of issue 14 section 2 makes a test fail.

A break is applied to a copy of the project (the real files are never touched), then the tests that
guard it run against a copy of the small build's database:

- the analysis window moved by one month (its start, its end, or both) -> the dbt unit tests on
  int_analysis_periods (periods before, straddling and after both boundaries);
- the outlier ratio floor removed, or the 1.4826 MAD constant dropped -> the dbt unit test
  outlier_limits_at_the_boundaries (hand-computed limits);
- k (var outlier_multiplier) changed from 3.5 to 2 in dbt_project.yml -> the unit test pins k, so the
  end-to-end bound of test_outliers.py on ordinary lines flagged must catch it.

Every patch checks that the text it replaces is still in the file, so a refactoring that moves the
logic makes this test fail loudly instead of passing without breaking anything.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_outliers import MAX_ORDINARY_FLAGGED_SHARE, ordinary_flagged

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.e2e

NOT_COPIED = (".venv", ".git", "target", "logs", "build", ".pytest_cache", "__pycache__", "dbt_packages")
ANALYSIS_PERIODS = "models/intermediate/segmentation/int_analysis_periods.sql"
OUTLIER_MACRO = "macros/segmentation/robust_outlier_bounds.sql"
WINDOW_UNIT_TESTS = ("analysis_window_boundaries_monthly", "analysis_window_excludes_straddling_periods")
OUTLIER_UNIT_TESTS = ("outlier_limits_at_the_boundaries",)
REFERENCE_DATE = "reference.reference_date"
WINDOW_START = "'-1 * ' ~ sql_number_var('analysis_window_months')"
RATIO_FLOOR = "greatest({{ k }} * scale_value, ln({{ sql_number_var('outlier_min_ratio_to_median') }}))"
MAD_SCALE = "1.4826 * median(deviations.absolute_deviation)"


@dataclass(frozen=True)
class Patch:
    path: str
    old: str
    new: str
    count: int = 1


@dataclass(frozen=True)
class Break:
    patches: tuple[Patch, ...]
    failing_unit_tests: tuple[str, ...]


UNIT_TEST_BREAKS = {
    "window_starts_one_month_earlier": Break(
        (Patch(ANALYSIS_PERIODS, WINDOW_START, "'-1 * (1 + ' ~ sql_number_var('analysis_window_months') ~ ')'"),),
        WINDOW_UNIT_TESTS,
    ),
    "window_ends_one_month_later": Break(
        (Patch(ANALYSIS_PERIODS, f"period_end_date <= {REFERENCE_DATE}",
               "period_end_date <= {{ dbt.dateadd('month', 1, 'reference.reference_date') }}"),),
        WINDOW_UNIT_TESTS,
    ),
    "window_shifted_one_month_earlier": Break(
        (Patch(ANALYSIS_PERIODS, f"period_end_date <= {REFERENCE_DATE}",
               "period_end_date <= {{ dbt.dateadd('month', -1, 'reference.reference_date') }}"),
         Patch(ANALYSIS_PERIODS, WINDOW_START, "'-1 * (1 + ' ~ sql_number_var('analysis_window_months') ~ ')'")),
        WINDOW_UNIT_TESTS,
    ),
    "outlier_ratio_floor_removed": Break(
        (Patch(OUTLIER_MACRO, RATIO_FLOOR, "{{ k }} * scale_value", count=2),),
        OUTLIER_UNIT_TESTS,
    ),
    "outlier_mad_constant_dropped": Break(
        (Patch(OUTLIER_MACRO, MAD_SCALE, "median(deviations.absolute_deviation)"),),
        OUTLIER_UNIT_TESTS,
    ),
}


def patched_project(tmp_path: Path, patches: tuple[Patch, ...]) -> Path:
    """A copy of the project with the patches applied; fails if a patch no longer matches."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    for patch in patches:
        path = copy / patch.path
        text = path.read_text()
        found = text.count(patch.old)
        assert found == patch.count, (
            f"{patch.path}: expected {patch.count} occurrence(s) of {patch.old!r}, found {found}; "
            "the logic moved, update the break in test_deliberate_breaks.py")
        path.write_text(text.replace(patch.old, patch.new))
    return copy


def project_args(project: Path) -> list[str]:
    return ["--project-dir", str(project), "--profiles-dir", str(project)]


def test_unpatched_unit_tests_pass(small_build, tmp_path) -> None:
    """The control: the guarding unit tests pass on an unpatched copy."""
    project = patched_project(tmp_path, ())
    db_path = tmp_path / "control.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    names = " ".join(f"test_name:{name}" for name in (*WINDOW_UNIT_TESTS, *OUTLIER_UNIT_TESTS))
    result = run_dbt(["test", "--select", *names.split(), *project_args(project)], db_path=db_path,
                     raw_path=small_build.data_dir, target="ci", target_path=tmp_path / "target", check=False)
    assert result.ok, result.output[-3000:]
    assert result.output.count("PASS ") >= len(WINDOW_UNIT_TESTS) + len(OUTLIER_UNIT_TESTS), result.output[-3000:]


@pytest.mark.parametrize("name", sorted(UNIT_TEST_BREAKS))
def test_break_fails_a_unit_test(name, small_build, tmp_path) -> None:
    broken = UNIT_TEST_BREAKS[name]
    project = patched_project(tmp_path, broken.patches)
    db_path = tmp_path / "broken.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    selection = [f"test_name:{unit_test}" for unit_test in broken.failing_unit_tests]
    result = run_dbt(["test", "--select", *selection, *project_args(project)], db_path=db_path,
                     raw_path=small_build.data_dir, target="ci", target_path=tmp_path / "target", check=False)
    assert not result.ok, f"{name}: the unit tests still pass\n{result.output[-3000:]}"
    failed = [line for line in result.output.splitlines() if "FAIL" in line]
    for unit_test in broken.failing_unit_tests:
        assert any(unit_test in line for line in failed), f"{name}: {unit_test} did not fail\n{result.output[-3000:]}"


def test_k_changed_to_2_fails_the_end_to_end_bound(small_build, tmp_path) -> None:
    """var outlier_multiplier 3.5 -> 2 in dbt_project.yml: the outlier models rebuilt on a copy of the
    small build flag more ordinary lines than test_outliers.py allows."""
    project = patched_project(tmp_path, (Patch("dbt_project.yml", "outlier_multiplier: 3.5", "outlier_multiplier: 2"),))
    db_path = tmp_path / "broken.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    run_dbt(["run", "--select", "int_order_line_outliers_flagged", "int_order_lines_consolidated",
             *project_args(project)], db_path=db_path, raw_path=small_build.data_dir, target="ci",
            target_path=tmp_path / "target")
    rebuilt = type(small_build)(db_path=db_path, data_dir=small_build.data_dir, output="")
    extra, usable = ordinary_flagged(rebuilt)
    assert extra / usable > MAX_ORDINARY_FLAGGED_SHARE, (
        f"with k = 2, {extra} of {usable} ordinary lines flagged: test_few_ordinary_lines_are_flagged would pass")
