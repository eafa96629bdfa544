"""Tests of the reference fiscal calendar (tests_py/reference/fiscal_calendar.py).

Expected dates are worked out by hand from the rule in docs/demo_data.md ("Fiscal calendar rule"):
a week-based year starts on the week-start day nearest to the 1st of start_month (0-3 days
before the anchor: that day; 4-6 days: the next one).
"""

from __future__ import annotations

import pandas as pd
import pytest

from reference.fiscal_calendar import COLUMNS, fiscal_calendar


def day(calendar: pd.DataFrame, iso: str) -> pd.Series:
    """The calendar row of one date."""
    rows = calendar[calendar["date"] == pd.Timestamp(iso)]
    assert len(rows) == 1, f"{iso} appears {len(rows)} times"
    return rows.iloc[0]


def attrs(row: pd.Series) -> tuple:
    """(year, quarter, period, week, year start, year end, period start, period end, weeks in year)."""
    weeks = None if pd.isna(row["weeks_in_year"]) else int(row["weeks_in_year"])
    return (int(row["fiscal_year"]), int(row["fiscal_quarter"]), int(row["fiscal_period"]), int(row["fiscal_week"]),
            row["fiscal_year_start_date"].date().isoformat(), row["fiscal_year_end_date"].date().isoformat(),
            row["fiscal_period_start_date"].date().isoformat(), row["fiscal_period_end_date"].date().isoformat(),
            weeks)


@pytest.fixture(scope="module")
def us01() -> pd.DataFrame:
    """US01: 445, fiscal year anchored on 1 February, Monday weeks, labelled by end year."""
    return fiscal_calendar("2023-01-01", "2026-03-31", "445", 2)


@pytest.fixture(scope="module")
def uk01() -> pd.DataFrame:
    """UK01: 454, fiscal year anchored on 1 March."""
    return fiscal_calendar("2022-01-01", "2025-12-31", "454", 3)


def test_columns_and_one_row_per_date(us01: pd.DataFrame) -> None:
    assert list(us01.columns) == list(COLUMNS)
    assert len(us01) == (pd.Timestamp("2026-03-31") - pd.Timestamp("2023-01-01")).days + 1
    assert us01["date"].is_monotonic_increasing and us01["date"].is_unique
    assert us01["date"].iloc[0] == pd.Timestamp("2023-01-01")


def test_us01_445_boundaries(us01: pd.DataFrame) -> None:
    # Anchor Thu 2023-02-01 is 2 days after Mon 2023-01-30 -> FY2024 starts 2023-01-30.
    # Anchor Thu 2024-02-01 is 3 days after Mon 2024-01-29 -> FY2025 starts 2024-01-29.
    # Anchor Sat 2025-02-01 is 5 days after Mon 2025-01-27 -> FY2026 starts Mon 2025-02-03.
    assert attrs(day(us01, "2024-01-28")) == (
        2024, 4, 12, 52, "2023-01-30", "2024-01-28", "2023-12-25", "2024-01-28", 52)
    assert attrs(day(us01, "2024-01-29")) == (
        2025, 1, 1, 1, "2024-01-29", "2025-02-02", "2024-01-29", "2024-02-25", 53)
    assert attrs(day(us01, "2024-03-25")) == (
        2025, 1, 3, 9, "2024-01-29", "2025-02-02", "2024-03-25", "2024-04-28", 53)
    assert attrs(day(us01, "2024-12-23")) == (
        2025, 4, 12, 48, "2024-01-29", "2025-02-02", "2024-12-23", "2025-02-02", 53)
    assert attrs(day(us01, "2025-02-02")) == (
        2025, 4, 12, 53, "2024-01-29", "2025-02-02", "2024-12-23", "2025-02-02", 53)
    assert attrs(day(us01, "2025-02-03")) == (
        2026, 1, 1, 1, "2025-02-03", "2026-02-01", "2025-02-03", "2025-03-02", 52)


def test_us01_53_week_year_gives_period_12_six_weeks(us01: pd.DataFrame) -> None:
    fy2025 = us01[us01["fiscal_year"] == 2025]
    weeks_per_period = fy2025.groupby("fiscal_period").size() // 7
    assert weeks_per_period.tolist() == [4, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 6]
    assert len(fy2025) == 371
    fy2024 = us01[us01["fiscal_year"] == 2024]
    assert (fy2024["weeks_in_year"] == 52).all()


def test_uk01_454_boundaries(uk01: pd.DataFrame) -> None:
    # Anchor Tue 2022-03-01 -> Mon 2022-02-28; Wed 2023-03-01 -> Mon 2023-02-27;
    # Fri 2024-03-01 is 4 days after Mon 2024-02-26 -> Mon 2024-03-04; Sat 2025-03-01 -> Mon 2025-03-03.
    assert attrs(day(uk01, "2023-02-26")) == (
        2023, 4, 12, 52, "2022-02-28", "2023-02-26", "2023-01-30", "2023-02-26", 52)
    assert attrs(day(uk01, "2023-02-27")) == (
        2024, 1, 1, 1, "2023-02-27", "2024-03-03", "2023-02-27", "2023-03-26", 53)
    assert attrs(day(uk01, "2023-03-27")) == (
        2024, 1, 2, 5, "2023-02-27", "2024-03-03", "2023-03-27", "2023-04-30", 53)
    assert attrs(day(uk01, "2024-03-03")) == (
        2024, 4, 12, 53, "2023-02-27", "2024-03-03", "2024-01-29", "2024-03-03", 53)
    assert attrs(day(uk01, "2024-03-04")) == (
        2025, 1, 1, 1, "2024-03-04", "2025-03-02", "2024-03-04", "2024-03-31", 52)
    weeks_per_period = uk01[uk01["fiscal_year"] == 2024].groupby("fiscal_period").size() // 7
    assert weeks_per_period.tolist() == [4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 5, 5]


def test_544_with_january_start_can_begin_in_december() -> None:
    # Anchor Thu 2026-01-01 is 3 days after Mon 2025-12-29 -> FY2026 starts 2025-12-29;
    # anchor Fri 2027-01-01 is 4 days after Mon 2026-12-28 -> FY2027 starts 2027-01-04 (FY2026 has 53 weeks).
    calendar = fiscal_calendar("2025-12-01", "2027-01-10", 544, 1)
    assert attrs(day(calendar, "2025-12-28")) == (
        2025, 4, 12, 52, "2024-12-30", "2025-12-28", "2025-12-01", "2025-12-28", 52)
    assert attrs(day(calendar, "2025-12-31")) == (
        2026, 1, 1, 1, "2025-12-29", "2027-01-03", "2025-12-29", "2026-02-01", 53)
    assert attrs(day(calendar, "2027-01-03")) == (
        2026, 4, 12, 53, "2025-12-29", "2027-01-03", "2026-11-30", "2027-01-03", 53)


def test_sunday_weeks_move_the_53_week_year() -> None:
    # Sunday weeks: anchor Wed 2023-02-01 is 3 days after Sun 2023-01-29 -> start 2023-01-29;
    # anchor Thu 2024-02-01 is 4 days after Sun 2024-01-28 -> start Sun 2024-02-04.
    calendar = fiscal_calendar("2023-06-01", "2024-06-01", "445", 2, week_start_isodow=7)
    assert attrs(day(calendar, "2024-02-03")) == (
        2024, 4, 12, 53, "2023-01-29", "2024-02-03", "2023-12-24", "2024-02-03", 53)
    assert attrs(day(calendar, "2024-02-04")) == (
        2025, 1, 1, 1, "2024-02-04", "2025-02-01", "2024-02-04", "2024-03-02", 52)


def test_year_label_start(us01: pd.DataFrame) -> None:
    calendar = fiscal_calendar("2024-01-28", "2024-01-29", "445", 2, year_label="start")
    assert calendar["fiscal_year"].tolist() == [2023, 2024]
    january = fiscal_calendar("2024-06-01", "2024-06-01", "454", 1, year_label="end")
    assert january["fiscal_year"].tolist() == [2024]


def test_gregorian_periods_are_months() -> None:
    eu01 = fiscal_calendar("2024-01-01", "2024-12-31", "gregorian", 1)
    assert attrs(day(eu01, "2024-02-29")) == (
        2024, 1, 2, 9, "2024-01-01", "2024-12-31", "2024-02-01", "2024-02-29", None)
    assert attrs(day(eu01, "2024-12-31")) == (
        2024, 4, 12, 53, "2024-01-01", "2024-12-31", "2024-12-01", "2024-12-31", None)
    assert (eu01["fiscal_period"] == eu01["date"].dt.month).all()
    assert eu01["weeks_in_year"].isna().all()
    april = fiscal_calendar("2024-03-31", "2024-04-01", "gregorian", 4)
    assert attrs(april.iloc[0]) == (
        2024, 4, 12, 53, "2023-04-01", "2024-03-31", "2024-03-01", "2024-03-31", None)
    assert attrs(april.iloc[1]) == (
        2025, 1, 1, 1, "2024-04-01", "2025-03-31", "2024-04-01", "2024-04-30", None)
    start_label = fiscal_calendar("2024-04-01", "2024-04-01", "gregorian", 4, year_label="start")
    assert start_label["fiscal_year"].tolist() == [2024]


@pytest.mark.parametrize("pattern, start_month", [("445", 2), ("454", 3), ("544", 7), ("445", 1)])
def test_week_based_invariants(pattern: str, start_month: int) -> None:
    calendar = fiscal_calendar("2015-01-01", "2030-12-31", pattern, start_month)
    assert (calendar["fiscal_year_start_date"].dt.day_of_week == 0).all()
    per_year = calendar.groupby("fiscal_year").agg(
        days=("date", "size"), weeks=("weeks_in_year", "first"), max_week=("fiscal_week", "max"),
        start=("fiscal_year_start_date", "first"))
    full = per_year.iloc[1:-1]
    assert set(full["weeks"]) == {52, 53}
    assert (full["days"] == 7 * full["weeks"]).all() and (full["max_week"] == full["weeks"]).all()
    anchors = pd.to_datetime([f"{y - (start_month > 1)}-{start_month:02d}-01" for y in full.index])
    assert ((full["start"] - anchors).dt.days.abs() <= 3).all()
    assert ((calendar["fiscal_period"] - 1) // 3 + 1 == calendar["fiscal_quarter"]).all()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"pattern": "446"}, "pattern='446'"),
    ({"start_month": 13}, "start_month=13"),
    ({"week_start_isodow": 0}, "week_start_isodow=0"),
    ({"year_label": "middle"}, "year_label='middle'"),
    ({"end_date": "2023-12-31"}, "end_date=2023-12-31"),
    ({"start_date": "2024-02-30"}, "start_date='2024-02-30'"),
])
def test_bad_arguments_are_named(kwargs: dict, fragment: str) -> None:
    arguments = {"start_date": "2024-01-01", "end_date": "2024-12-31", "pattern": "445", "start_month": 2,
                 **kwargs}
    with pytest.raises(ValueError, match=fragment):
        fiscal_calendar(**arguments)
