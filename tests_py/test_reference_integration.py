"""Integration of the dbt build against the raw-derived oracles of tests_py/reference.

The oracles read only the raw files, the seeds, the vars and the input contract, so a mistake in
validation, FX conversion, the customer hierarchy, outlier flagging or the analysis window shows up
here line for line, before it reaches ABC and XYZ (test_classification_independent.py builds on the
same oracles).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reference import order_lines as reference_lines
from reference import periods as reference_periods
from reference.settings import project_vars
from supplyseg.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

KEY = ["business_unit_id", "order_id", "order_line_number"]
AMOUNTS = ("quantity", "fx_rate_to_reporting", "revenue_rep_ccy", "cost_rep_ccy", "gross_margin_rep_ccy")
LABELS = (
    "order_date", "customer_key", "global_account_id", "segment_customer_id", "ship_to_key", "logistics_unit",
    "product_id", "plant_id", "channel", "document_currency_code", "cost_source",
    "is_return", "is_quantity_outlier", "is_revenue_outlier", "is_outlier", "counts_in_value",
    "counts_in_variability",
)
RELATIVE_TOLERANCE = 1e-12
PERIOD_COLUMNS = ("window_period_number", "period_start_date", "period_end_date", "days_in_period",
                  "merged_short_period_count")


def _as_labels(values: pd.Series) -> list:
    """Comparable Python values, every kind of missing as None, dates as ISO text."""
    out = []
    for value in values.astype(object):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(None)
        elif isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
            out.append(pd.Timestamp(value).date().isoformat())
        elif isinstance(value, np.bool_ | bool):
            out.append(bool(value))
        else:
            out.append(value)
    return out


def assert_same_labels(actual: pd.Series, expected: pd.Series, label: str) -> None:
    a, e = _as_labels(actual), _as_labels(expected)
    differ = [i for i in range(len(a)) if a[i] != e[i]]
    assert not differ, f"{label}: {len(differ)} of {len(a)} rows differ, e.g. " + "; ".join(
        f"{actual.index[i]}: dbt {a[i]!r} vs reference {e[i]!r}" for i in differ[:5])


def assert_same_numbers(actual: pd.Series, expected: pd.Series, label: str) -> None:
    a = pd.to_numeric(actual, errors="coerce").astype("float64").to_numpy()
    e = pd.to_numeric(expected, errors="coerce").astype("float64").to_numpy()
    same = np.isclose(a, e, rtol=RELATIVE_TOLERANCE, atol=0) | (np.isnan(a) & np.isnan(e))
    bad = np.flatnonzero(~same)[:5]
    assert same.all(), f"{label}: {int((~same).sum())} of {len(a)} rows differ, e.g. " + "; ".join(
        f"{actual.index[i]}: dbt {a[i]!r} vs reference {e[i]!r}" for i in bad)


def test_raw_derived_rejections_match_validation(small_build) -> None:
    """Every raw order line gets the same rejection reason, duplicate flag, currency and FX rate."""
    expected = reference_lines.validated_order_lines(small_build.data_dir, project_vars())
    actual = small_build.query(
        "select source_row_number, rejection_reason, is_exact_duplicate, document_currency_code, "
        "fx_rate_to_reporting from intermediate.int_order_lines_validated"
    )
    actual = actual.set_index("source_row_number").sort_index()
    expected = expected.set_index("source_row_number").sort_index()
    assert actual.index.tolist() == expected.index.tolist(), "raw rows differ"
    assert expected["rejection_reason"].notna().sum() > 100, "the small data should carry rejected lines"
    assert expected["is_exact_duplicate"].sum() > 100, "the small data should carry exact duplicates"
    for column in ("rejection_reason", "is_exact_duplicate", "document_currency_code"):
        assert_same_labels(actual[column], expected[column], column)
    assert_same_numbers(actual["fx_rate_to_reporting"], expected["fx_rate_to_reporting"], "fx_rate_to_reporting")


def test_raw_derived_lines_match_consolidated_line_for_line(small_build) -> None:
    """Keys, amounts in the reporting currency, hierarchy ids, returns, outliers and measure flags."""
    expected = reference_lines.consolidated_order_lines(small_build.data_dir, project_vars())
    actual = small_build.query("select * from intermediate.int_order_lines_consolidated")
    actual = actual.set_index(KEY).sort_index()
    expected = expected.set_index(KEY).sort_index()
    missing = expected.index.difference(actual.index)
    extra = actual.index.difference(expected.index)
    assert len(missing) == 0 and len(extra) == 0, (
        f"{len(missing)} raw-derived lines not consolidated (e.g. {list(missing[:3])}), "
        f"{len(extra)} consolidated lines not derived from the raw files (e.g. {list(extra[:3])})")
    # Guard against a vacuous comparison: every case the rules distinguish occurs.
    assert expected["is_return"].sum() > 100 and expected["is_outlier"].sum() > 10
    assert (expected["document_currency_code"] != project_vars()["reporting_currency"]).sum() > 1000
    assert (expected["global_account_id"] != expected["customer_key"]).sum() > 1000
    assert (expected["logistics_unit"] == reference_lines.UNASSIGNED).sum() > 10
    for column in AMOUNTS:
        assert_same_numbers(actual[column], expected[column], column)
    for column in LABELS:
        assert_same_labels(actual[column], expected[column], column)


def _with_every_rejection(data_dir: Path, out_dir: Path) -> None:
    """A copy of the small dataset whose order lines add the cases it lacks: a conflicting duplicate key,
    an exact copy of a quarantined line, an unknown business unit, lines in a currency without rates,
    a currency given in lower case, and a later FX row for a month that already has one."""
    shutil.copytree(data_dir, out_dir, ignore=shutil.ignore_patterns("_truth"))
    lines_path = out_dir / "order_lines.csv"
    lines = pd.read_csv(lines_path, dtype=str, keep_default_na=False)
    # Start from clean lines: a line that already carries an injected defect (an unparseable date
    # like 'n/a' sorts after '2025-01-01') would be rejected for that defect first.
    defects = pd.read_csv(data_dir / "_truth" / "order_line_defects.csv", dtype=str, keep_default_na=False)
    defective = set(zip(defects["business_unit_id"], defects["order_id"], defects["order_line_number"]))
    clean = np.array([key not in defective for key in zip(lines["business_unit_id"], lines["order_id"],
                                                           lines["order_line_number"])])
    eur = lines[clean & (lines["currency_code"] == "EUR") & (lines["order_date"] >= "2025-01-01")].head(6)
    added = []
    conflicting = eur.iloc[0].copy()
    conflicting["quantity"] = str(int(float(conflicting["quantity"])) + 1)
    added.append(conflicting)
    unknown_unit = eur.iloc[1].copy()
    unknown_unit["business_unit_id"] = "XX99"
    added += [unknown_unit, unknown_unit.copy()]
    for i in (2, 3):
        no_rate = eur.iloc[i].copy()
        no_rate["order_id"] = no_rate["order_id"] + "-JPY"
        no_rate["currency_code"] = "JPY"
        added.append(no_rate)
    lower_case = eur.iloc[4].copy()
    lower_case["order_id"] = lower_case["order_id"] + "-usd"
    lower_case["currency_code"] = "usd"
    added.append(lower_case)
    pd.concat([lines, pd.DataFrame(added)], ignore_index=True).to_csv(lines_path, index=False)
    rates_path = out_dir / "fx_rates.csv"
    rates = pd.read_csv(rates_path, dtype=str, keep_default_na=False)
    later = rates[(rates["currency_code"] == "USD")].tail(1).copy()
    later["rate_to_reporting"] = "99"
    pd.concat([rates, later], ignore_index=True).to_csv(rates_path, index=False)


def test_raw_derived_lines_match_on_a_load_with_every_rejection(small_build, tmp_path) -> None:
    """The cases the small dataset lacks (conflicting duplicate, unknown business unit, missing FX rate,
    a second FX row for a month) agree too, on an extended copy built up to the consolidated lines."""
    data_dir = tmp_path / "data"
    _with_every_rejection(small_build.data_dir, data_dir)
    db_path = tmp_path / "extended.duckdb"
    shutil.copyfile(small_build.db_path, db_path)  # the seeds; every model on the way is rebuilt
    run_dbt(["run", "--select", "+int_order_lines_consolidated"], db_path=db_path, raw_path=data_dir,
            target="ci", target_path=tmp_path / "target")
    built = type(small_build)(db_path=db_path, data_dir=data_dir, output="")
    values = project_vars()
    validated = reference_lines.validated_order_lines(data_dir, values).set_index("source_row_number").sort_index()
    reasons = set(validated["rejection_reason"].dropna())
    assert {"conflicting_duplicate_key", "unknown_business_unit", "missing_fx_rate"} <= reasons
    actual = built.query("select source_row_number, rejection_reason, is_exact_duplicate, fx_rate_to_reporting "
                         "from intermediate.int_order_lines_validated").set_index("source_row_number").sort_index()
    assert actual.index.tolist() == validated.index.tolist()
    for column in ("rejection_reason", "is_exact_duplicate"):
        assert_same_labels(actual[column], validated[column], column)
    assert_same_numbers(actual["fx_rate_to_reporting"], validated["fx_rate_to_reporting"], "fx_rate_to_reporting")
    expected = reference_lines.consolidated_order_lines(data_dir, values).set_index(KEY).sort_index()
    consolidated = built.query("select * from intermediate.int_order_lines_consolidated").set_index(KEY).sort_index()
    assert consolidated.index.equals(expected.index)
    for column in AMOUNTS:
        assert_same_numbers(consolidated[column], expected[column], column)
    for column in LABELS:
        assert_same_labels(consolidated[column], expected[column], column)


def test_raw_derived_periods_match_analysis_periods(small_build) -> None:
    expected = reference_periods.analysis_periods(project_vars(), small_build.data_dir)
    actual = small_build.query("select * from intermediate.int_analysis_periods order by window_period_number")
    assert len(actual) == len(expected) == int(project_vars()["analysis_window_months"]), (
        f"{len(actual)} analysis periods built, {len(expected)} derived from the vars")
    for column in PERIOD_COLUMNS:
        assert_same_labels(actual[column], expected[column], column)


# Windows whose boundaries cut through periods: a 445 calendar starting in February with weeks and
# months, a reference date in mid-month, a gregorian week-53 stub, a window of 13 months.
OTHER_WINDOWS = (
    {"reporting_calendar_pattern": "445", "reporting_calendar_start_month": 2, "demand_period": "month",
     "reference_date": "2025-06-15", "analysis_window_months": 13},
    {"reporting_calendar_pattern": "gregorian", "reporting_calendar_start_month": 1, "demand_period": "week",
     "reference_date": "2025-01-20", "analysis_window_months": 5},
    {"reporting_calendar_pattern": "544", "reporting_calendar_start_month": 7, "demand_period": "week",
     "reference_date": "2025-11-04", "analysis_window_months": 7, "fiscal_week_start_isodow": 7},
)


@pytest.mark.parametrize("overrides", OTHER_WINDOWS, ids=["445-month-mid-month", "gregorian-week-53", "544-sunday"])
def test_analysis_periods_match_reference_under_other_windows(small_build, overrides, tmp_path) -> None:
    """The window rebuilt with other calendars and reference dates on a copy of the small build."""
    db_path = tmp_path / "window.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    run_dbt(
        ["run", "-s", "int_reference_date", "int_fiscal_periods", "int_analysis_periods"],
        db_path=db_path, raw_path=small_build.data_dir, dbt_vars=overrides, target="ci",
        target_path=tmp_path / "target",
    )
    rebuilt = type(small_build)(db_path=db_path, data_dir=small_build.data_dir, output="")
    actual = rebuilt.query("select * from intermediate.int_analysis_periods order by window_period_number")
    expected = reference_periods.analysis_periods(project_vars(overrides))
    assert len(actual) == len(expected) > 0
    for column in PERIOD_COLUMNS:
        assert_same_labels(actual[column], expected[column], f"{overrides} {column}")
