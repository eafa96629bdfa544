"""The SQL fiscal calendars against the Python reference implementation.

Builds only the calendar models (and the staging views they read) on a tiny
hand-written input folder, then compares every row of int_fiscal_calendar_days
with ``reference.fiscal_calendar.fiscal_calendar`` and every fiscal period of
int_fiscal_periods with the periods the reference gives. The reference is an
independent implementation of the same rule (docs/fiscal_calendar.md); nothing
here is derived from the model's own output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from supplyseg.dbt_runner import run_dbt
from reference.fiscal_calendar import fiscal_calendar

pytestmark = pytest.mark.e2e

# One business unit per pattern; ZZ01 is rejected by the input contract (no
# currency), so it must not get a calendar.
BUSINESS_UNITS_CSV = """business_unit_id,business_unit_name,currency_code,fiscal_calendar,fiscal_year_start_month
EU01,Europe,EUR,gregorian,1
US01,United States,USD,445,2
JP01,Japan,JPY,454,3
AU01,Australia,AUD,544,7
ZZ01,Rejected,,445,5
"""
CUSTOMERS_CSV = """business_unit_id,customer_id,customer_name,country_code
EU01,C1,Acme,DE
"""
PRODUCTS_CSV = """product_id,product_name,standard_cost
P1,Widget,1.5
"""
# The 2010 line has no customer, so the contract rejects it and it must not
# stretch the range; the earliest valid order is 2019-06-01.
ORDER_LINES_CSV = """business_unit_id,order_id,order_line_number,order_date,customer_id,product_id,quantity,unit_price
EU01,O1,1,2019-06-01,C1,P1,5,2.0
EU01,O2,1,2025-11-02,C1,P1,3,2.0
EU01,O3,1,2010-01-04,,P1,3,2.0
"""
FIRST_VALID_ORDER_DATE = dt.date(2019, 6, 1)
CALENDARS = {"EU01": ("gregorian", 1), "US01": ("445", 2), "JP01": ("454", 3), "AU01": ("544", 7)}

DATE_COLUMNS = [
    "fiscal_year_start_date",
    "fiscal_year_end_date",
    "fiscal_period_start_date",
    "fiscal_period_end_date",
]
INT_COLUMNS = ["fiscal_year", "fiscal_quarter", "fiscal_period", "fiscal_week"]


@dataclass(frozen=True)
class Scenario:
    """Vars of one build and the reporting calendar they define."""

    name: str
    dbt_vars: dict

    @property
    def week_start_isodow(self) -> int:
        return int(self.dbt_vars["fiscal_week_start_isodow"])

    @property
    def year_label(self) -> str:
        return str(self.dbt_vars["fiscal_year_label"])

    def calendars(self) -> dict[str, tuple[str, int]]:
        reporting = (str(self.dbt_vars["reporting_calendar_pattern"]), int(self.dbt_vars["reporting_calendar_start_month"]))
        return {**CALENDARS, "REPORTING": reporting}

    def date_range(self) -> tuple[dt.date, dt.date]:
        """The range the calendars must cover (computed here, not read from the model)."""
        reference = dt.date.fromisoformat(self.dbt_vars["reference_date"])
        months_back = int(self.dbt_vars["analysis_window_months"]) + 24
        index = reference.year * 12 + reference.month - 1 - months_back
        floor = reference.replace(year=index // 12, month=index % 12 + 1)  # reference days are valid in every month
        return max(FIRST_VALID_ORDER_DATE, floor), reference.replace(year=reference.year + 1)


SCENARIOS = [
    # Project defaults: the history floor (2020-12-31) cuts the 2019 order off.
    Scenario("defaults", {
        "reference_date": "2025-12-31",
        "analysis_window_months": 36,
        "fiscal_week_start_isodow": 1,
        "fiscal_year_label": "end",
        "reporting_calendar_pattern": "gregorian",
        "reporting_calendar_start_month": 1,
    }),
    # Sunday weeks, 'start' labels, a 454 reporting calendar from October; a long
    # window so the earliest valid order (2019-06-01) starts the range.
    Scenario("sunday_weeks_start_label", {
        "reference_date": "2024-06-28",
        "analysis_window_months": 60,
        "fiscal_week_start_isodow": 7,
        "fiscal_year_label": "start",
        "reporting_calendar_pattern": "454",
        "reporting_calendar_start_month": 10,
    }),
]


@dataclass(frozen=True)
class CalendarBuild:
    scenario: Scenario
    days: pd.DataFrame
    periods: pd.DataFrame


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda scenario: scenario.name)
def calendar_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CalendarBuild:
    scenario: Scenario = request.param
    work = tmp_path_factory.mktemp(f"calendar_{scenario.name}")
    raw = work / "raw"
    raw.mkdir()
    for name, text in {
        "business_units": BUSINESS_UNITS_CSV,
        "customers": CUSTOMERS_CSV,
        "products": PRODUCTS_CSV,
        "order_lines": ORDER_LINES_CSV,
    }.items():
        (raw / f"{name}.csv").write_text(text)
    db_path = work / "calendar.duckdb"
    # cautious: leave out tests that also need models outside the selection
    # (for example staging relationships to customers).
    run_dbt(
        ["build", "-s", "+int_fiscal_calendar_days", "--indirect-selection", "cautious"],
        db_path=db_path,
        raw_path=raw,
        dbt_vars=scenario.dbt_vars,
        target="ci",
        target_path=work / "target",
    )
    with duckdb.connect(str(db_path), read_only=True) as con:
        days = con.sql("select * from intermediate.int_fiscal_calendar_days").df()
        periods = con.sql("select * from intermediate.int_fiscal_periods").df()
    return CalendarBuild(scenario, days, periods)


def _normalise_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def test_one_calendar_per_valid_business_unit_and_reporting(calendar_build: CalendarBuild) -> None:
    calendars = calendar_build.days.groupby("calendar_id")[["calendar_pattern", "fiscal_year_start_month"]].first()
    found = {cid: (row.calendar_pattern, int(row.fiscal_year_start_month)) for cid, row in calendars.iterrows()}
    assert found == calendar_build.scenario.calendars()


@pytest.mark.parametrize("calendar_id", [*CALENDARS, "REPORTING"])
def test_days_match_python_reference(calendar_build: CalendarBuild, calendar_id: str) -> None:
    scenario = calendar_build.scenario
    pattern, start_month = scenario.calendars()[calendar_id]
    actual = calendar_build.days[calendar_build.days["calendar_id"] == calendar_id]
    actual = _normalise_dates(actual, ["date_day", *DATE_COLUMNS, "fiscal_week_start_date"])
    actual = actual.sort_values("date_day").reset_index(drop=True)

    # The range: whole fiscal years around the range computed from the inputs.
    range_start, range_end = scenario.date_range()
    kwargs = dict(pattern=pattern, start_month=start_month,
                  week_start_isodow=scenario.week_start_isodow, year_label=scenario.year_label)
    first_year = fiscal_calendar(range_start, range_start, **kwargs).iloc[0]
    last_year = fiscal_calendar(range_end, range_end, **kwargs).iloc[0]
    assert actual["date_day"].iloc[0] == first_year["fiscal_year_start_date"]
    assert actual["date_day"].iloc[-1] == last_year["fiscal_year_end_date"]

    expected = fiscal_calendar(first_year["fiscal_year_start_date"], last_year["fiscal_year_end_date"], **kwargs)
    assert len(actual) == len(expected)
    expected = expected.rename(columns={"date": "date_day", "weeks_in_year": "weeks_in_fiscal_year"})
    compare = ["date_day", *INT_COLUMNS, *DATE_COLUMNS]
    actual_part = actual[compare].astype({column: "int64" for column in INT_COLUMNS})
    pd.testing.assert_frame_equal(actual_part, expected[compare], check_dtype=False)
    pd.testing.assert_series_equal(
        actual["weeks_in_fiscal_year"].astype("Int64"), expected["weeks_in_fiscal_year"].astype("Int64"),
        check_names=False,
    )

    # Columns the reference does not return, checked from their definitions.
    week_starts = expected["fiscal_year_start_date"] + pd.to_timedelta(7 * (expected["fiscal_week"] - 1), unit="D")
    assert (actual["fiscal_week_start_date"] == week_starts).all()
    assert (actual["is_53_week_year"] == (expected["weeks_in_fiscal_year"].fillna(0) == 53)).all()
    period_keys = "FY" + expected["fiscal_year"].astype(str) + "-P" + expected["fiscal_period"].map("{:02d}".format)
    week_keys = "FY" + expected["fiscal_year"].astype(str) + "-W" + expected["fiscal_week"].map("{:02d}".format)
    assert (actual["fiscal_period_key"] == period_keys).all()
    assert (actual["fiscal_week_key"] == week_keys).all()


@pytest.mark.parametrize("period_type, column", [("month", "fiscal_period"), ("week", "fiscal_week")])
def test_periods_match_python_reference(calendar_build: CalendarBuild, period_type: str, column: str) -> None:
    scenario = calendar_build.scenario
    for calendar_id, (pattern, start_month) in scenario.calendars().items():
        days = calendar_build.days[calendar_build.days["calendar_id"] == calendar_id]
        expected_days = fiscal_calendar(days["date_day"].min(), days["date_day"].max(), pattern, start_month,
                                        scenario.week_start_isodow, scenario.year_label)
        expected = (expected_days.groupby(["fiscal_year", column])["date"]
                    .agg(period_start_date="min", period_end_date="max", days_in_period="count")
                    .reset_index()
                    .rename(columns={column: "period_number"})
                    .sort_values("period_start_date", ignore_index=True))
        expected["period_sequence"] = range(1, len(expected) + 1)
        actual = calendar_build.periods[(calendar_build.periods["calendar_id"] == calendar_id)
                                        & (calendar_build.periods["period_type"] == period_type)]
        actual = _normalise_dates(actual, ["period_start_date", "period_end_date"])
        actual = actual.sort_values("period_start_date", ignore_index=True)
        compare = ["fiscal_year", "period_number", "period_start_date", "period_end_date", "days_in_period",
                   "period_sequence"]
        pd.testing.assert_frame_equal(actual[compare].astype({"fiscal_year": "int64", "period_number": "int64",
                                                              "days_in_period": "int64", "period_sequence": "int64"}),
                                      expected[compare].astype({"days_in_period": "int64"}),
                                      check_dtype=False, obj=f"{calendar_id} {period_type}")
