"""Segment KPIs in a business unit's own fiscal calendar (issue 17, section 1: "the reporting calendar, with
business-unit calendars available").

Var kpi_calendar_id chooses the calendar KPIs are reported in (REPORTING or a business unit id; doc block
kpi_periods). Here a copy of the shared small build is re-run, only from int_kpi_periods to fct_segment_kpis,
with kpi_calendar_id = US01 (a 4-4-5 calendar starting in February). The oracle takes US01's pattern and start
month from the raw business_units file, builds that calendar with the fiscal calendar rule
(tests_py/reference/fiscal_calendar.py) and recomputes the service KPIs per period from the raw files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import Build
from reference import kpis as reference_kpis
from reference.raw_inputs import read_entity
from reference.settings import project_vars
from supplyseg.dbt_runner import run_dbt
from test_segment_kpis import SERVICE, _compare

pytestmark = pytest.mark.e2e

BUSINESS_UNIT = "US01"


@pytest.fixture(scope="module")
def business_unit_build(small_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("bu_calendar")
    db_path = work / "bu_calendar.duckdb"
    shutil.copyfile(small_build.db_path, db_path)
    result = run_dbt(["run", "--select", "int_kpi_periods+,+fct_segment_kpis"], db_path=db_path,
                     raw_path=small_build.data_dir, dbt_vars={"kpi_calendar_id": BUSINESS_UNIT}, target="ci",
                     target_path=work / "target")
    return Build(db_path=db_path, data_dir=small_build.data_dir, output=result.output)


@pytest.fixture(scope="module")
def calendar_values(small_build: Build) -> dict:
    """The vars with the reporting calendar replaced by the business unit's own (from the raw master)."""
    units = read_entity(small_build.data_dir, "business_units").set_index("business_unit_id")
    unit = units.loc[BUSINESS_UNIT]
    return project_vars({"reporting_calendar_pattern": str(unit["fiscal_calendar"]),
                         "reporting_calendar_start_month": int(unit["fiscal_year_start_month"])})


def _segments(build: Build) -> dict[str, pd.Series]:
    customers = build.query("select customer_segment_id, final_segment_code from marts.dim_customer_segments")
    products = build.query("select product_id, final_segment_code from marts.dim_product_segments")
    return {"customer": customers.set_index("customer_segment_id")["final_segment_code"],
            "product": products.set_index("product_id")["final_segment_code"]}


def _mart(build: Build) -> pd.DataFrame:
    kpis = build.query("select calendar_id, grain, segment_code, period_start_date, period_end_date, kpi_name,"
                       " kpi_value from marts.fct_segment_kpis")
    kpis["period_start_date"] = pd.to_datetime(kpis["period_start_date"])
    return kpis


def test_kpis_are_reported_in_the_business_unit_calendar(business_unit_build, small_build, calendar_values) -> None:
    mart = _mart(business_unit_build)
    assert set(mart["calendar_id"]) == {BUSINESS_UNIT}
    expected_periods = reference_kpis.kpi_periods(calendar_values, small_build.data_dir)
    assert sorted(mart["period_start_date"].unique()) == sorted(expected_periods["period_start_date"])
    # Guard: the business unit's periods are not the reporting calendar's.
    reporting = _mart(small_build)
    assert set(reporting["calendar_id"]) == {"REPORTING"}
    assert set(mart["period_start_date"]) != set(reporting["period_start_date"])


@pytest.mark.parametrize("grain,entity", [("product", "product_id"), ("customer", "segment_customer_id")])
def test_service_kpis_in_the_business_unit_calendar_match_the_oracle(business_unit_build, small_build,
                                                                      calendar_values, grain, entity) -> None:
    lines = reference_kpis.measured_sales_lines(small_build.data_dir, calendar_values)
    expected = reference_kpis.service_kpis(lines, entity, _segments(business_unit_build)[grain])
    _compare(expected, _mart(business_unit_build), grain, SERVICE)
