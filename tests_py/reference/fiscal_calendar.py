"""Reference implementation of the project's fiscal calendar rule (pure Python + pandas).

Used by tests to check the SQL calendar, and by the demo-data tests. The rule is
documented in ``docs/demo_data.md`` (section "Fiscal calendar rule"):

* Week-based patterns ``445``, ``454`` and ``544``: the fiscal year anchored on the
  1st of ``start_month`` of calendar year Y starts on the week-start day nearest to
  that anchor: if the anchor is 0-3 days after the previous week-start day that day
  is taken, otherwise the next week-start day. The year ends the day before the next
  year's start, so it has 52 or 53 weeks. Each quarter is split into three periods
  of 4-4-5, 4-5-4 or 5-4-4 weeks; in a 53-week year period 12 gets the extra week.
* ``gregorian``: the fiscal year starts on the 1st of ``start_month``; periods are
  calendar months counted from ``start_month``.
* Everywhere: ``fiscal_quarter = (fiscal_period - 1) // 3 + 1`` and
  ``fiscal_week = 1 + (days since fiscal-year start) // 7``.
* ``year_label="start"`` labels a year by its anchor year Y; ``"end"`` labels it
  Y + 1 when ``start_month > 1`` and Y otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

WEEK_PATTERNS: dict[str, tuple[int, int, int]] = {
    "445": (4, 4, 5),
    "454": (4, 5, 4),
    "544": (5, 4, 4),
}
PATTERNS: tuple[str, ...] = ("gregorian", *WEEK_PATTERNS)
YEAR_LABELS: tuple[str, ...] = ("start", "end")
COLUMNS: tuple[str, ...] = (
    "date",
    "fiscal_year",
    "fiscal_quarter",
    "fiscal_period",
    "fiscal_week",
    "fiscal_year_start_date",
    "fiscal_year_end_date",
    "fiscal_period_start_date",
    "fiscal_period_end_date",
    "weeks_in_year",
)

DateLike = dt.date | str | pd.Timestamp


@dataclass(frozen=True)
class FiscalYear:
    """One fiscal year: its anchor year, label, bounds and periods."""

    anchor_year: int
    label: int
    start: dt.date
    end: dt.date
    periods: tuple[tuple[dt.date, dt.date], ...]
    weeks_in_year: int | None


def _to_date(value: DateLike, name: str) -> dt.date:
    """Convert a date-like argument to ``datetime.date``, naming the argument on error."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"fiscal_calendar: {name}={value!r} is not an ISO date (YYYY-MM-DD)") from exc
    raise TypeError(f"fiscal_calendar: {name}={value!r} must be a date, Timestamp or ISO string")


def _normalise_pattern(pattern: str | int) -> str:
    """Return the pattern as one of PATTERNS (accepts 445 as int)."""
    text = str(pattern).strip().lower()
    if text not in PATTERNS:
        raise ValueError(f"fiscal_calendar: pattern={pattern!r} is not one of {', '.join(PATTERNS)}")
    return text


def _validate(start_month: int, week_start_isodow: int, year_label: str) -> None:
    """Check the scalar arguments, naming the one at fault."""
    if not isinstance(start_month, int) or not 1 <= start_month <= 12:
        raise ValueError(f"fiscal_calendar: start_month={start_month!r} must be an int in 1..12")
    if not isinstance(week_start_isodow, int) or not 1 <= week_start_isodow <= 7:
        raise ValueError(f"fiscal_calendar: week_start_isodow={week_start_isodow!r} must be an int in 1..7 (Monday=1)")
    if year_label not in YEAR_LABELS:
        raise ValueError(f"fiscal_calendar: year_label={year_label!r} must be 'start' or 'end'")


def week_based_year_start(anchor_year: int, start_month: int, week_start_isodow: int = 1) -> dt.date:
    """First day of the week-based fiscal year anchored on the 1st of start_month of anchor_year."""
    anchor = dt.date(anchor_year, start_month, 1)
    days_after_previous = (anchor.isoweekday() - week_start_isodow) % 7
    previous = anchor - dt.timedelta(days=days_after_previous)
    return previous if days_after_previous <= 3 else previous + dt.timedelta(days=7)


def gregorian_year_start(anchor_year: int, start_month: int) -> dt.date:
    """First day of the gregorian fiscal year anchored on the 1st of start_month of anchor_year."""
    return dt.date(anchor_year, start_month, 1)


def _year_label(anchor_year: int, start_month: int, year_label: str) -> int:
    """Fiscal-year label for an anchor year under the 'start' or 'end' convention."""
    if year_label == "start":
        return anchor_year
    return anchor_year + 1 if start_month > 1 else anchor_year


def _add_months(day: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` after day's month (day must be a 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year(anchor_year: int, pattern: str | int, start_month: int,
                week_start_isodow: int = 1, year_label: str = "end") -> FiscalYear:
    """Describe the fiscal year anchored on the 1st of start_month of anchor_year."""
    kind = _normalise_pattern(pattern)
    _validate(start_month, week_start_isodow, year_label)
    label = _year_label(anchor_year, start_month, year_label)
    if kind == "gregorian":
        start = gregorian_year_start(anchor_year, start_month)
        periods = tuple(
            (_add_months(start, i), _add_months(start, i + 1) - dt.timedelta(days=1)) for i in range(12)
        )
        return FiscalYear(anchor_year, label, start, periods[-1][1], periods, None)
    start = week_based_year_start(anchor_year, start_month, week_start_isodow)
    end = week_based_year_start(anchor_year + 1, start_month, week_start_isodow) - dt.timedelta(days=1)
    weeks = ((end - start).days + 1) // 7
    period_weeks = list(WEEK_PATTERNS[kind] * 4)
    period_weeks[-1] += weeks - 52
    bounds: list[tuple[dt.date, dt.date]] = []
    cursor = start
    for n_weeks in period_weeks:
        period_end = cursor + dt.timedelta(days=7 * n_weeks - 1)
        bounds.append((cursor, period_end))
        cursor = period_end + dt.timedelta(days=1)
    return FiscalYear(anchor_year, label, start, end, tuple(bounds), weeks)


def _year_rows(year: FiscalYear) -> pd.DataFrame:
    """One row per date of a fiscal year, with all calendar columns."""
    frames = []
    for number, (p_start, p_end) in enumerate(year.periods, start=1):
        dates = pd.date_range(p_start, p_end, freq="D")
        frames.append(pd.DataFrame({
            "date": dates,
            "fiscal_period": number,
            "fiscal_period_start_date": pd.Timestamp(p_start),
            "fiscal_period_end_date": pd.Timestamp(p_end),
        }))
    rows = pd.concat(frames, ignore_index=True)
    days = (rows["date"] - pd.Timestamp(year.start)).dt.days
    rows["fiscal_year"] = year.label
    rows["fiscal_quarter"] = (rows["fiscal_period"] - 1) // 3 + 1
    rows["fiscal_week"] = 1 + days // 7
    rows["fiscal_year_start_date"] = pd.Timestamp(year.start)
    rows["fiscal_year_end_date"] = pd.Timestamp(year.end)
    rows["weeks_in_year"] = pd.array([year.weeks_in_year] * len(rows), dtype="Int64")
    return rows


def fiscal_calendar(start_date: DateLike, end_date: DateLike, pattern: str | int, start_month: int,
                    week_start_isodow: int = 1, year_label: str = "end") -> pd.DataFrame:
    """One row per date from start_date to end_date (inclusive) with its fiscal attributes.

    Columns: date, fiscal_year, fiscal_quarter (1-4), fiscal_period (1-12),
    fiscal_week (1-53), fiscal_year_start_date, fiscal_year_end_date,
    fiscal_period_start_date, fiscal_period_end_date (all dates as datetime64
    at midnight), weeks_in_year (52/53 for week-based patterns, null for gregorian).
    """
    first = _to_date(start_date, "start_date")
    last = _to_date(end_date, "end_date")
    if last < first:
        raise ValueError(f"fiscal_calendar: end_date={last.isoformat()} is before start_date={first.isoformat()}")
    kind = _normalise_pattern(pattern)
    _validate(start_month, week_start_isodow, year_label)
    frames = [
        _year_rows(fiscal_year(anchor, kind, start_month, week_start_isodow, year_label))
        for anchor in range(first.year - 1, last.year + 2)
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[(rows["date"] >= pd.Timestamp(first)) & (rows["date"] <= pd.Timestamp(last))]
    rows = rows.reset_index(drop=True)
    int_columns = ["fiscal_year", "fiscal_quarter", "fiscal_period", "fiscal_week"]
    rows[int_columns] = rows[int_columns].astype("int64")
    date_columns = [c for c in COLUMNS if c == "date" or c.endswith("_date")]
    rows[date_columns] = rows[date_columns].astype("datetime64[ns]")
    return rows[list(COLUMNS)]
