"""The analysis periods of the reporting calendar (doc of int_analysis_periods, docs/fiscal_calendar.md).

- The reporting calendar is the fiscal calendar rule (``reference.fiscal_calendar``) with vars
  ``reporting_calendar_pattern``, ``reporting_calendar_start_month``, ``fiscal_week_start_isodow``,
  ``fiscal_year_label``.
- A demand period (var ``demand_period``) is a fiscal period (``month``) or a fiscal week (``week``).
- The window holds the whole periods that end on or before the reference date and start after
  it minus var ``analysis_window_months`` months, numbered 1..N by start date. The reference date is
  var ``reference_date`` when it is an ISO date; ``auto`` (the default) is the last order date of the
  usable order lines (no rejection reason, exact copies left out), derived here from the raw files.
- A period shorter than var ``min_days_in_demand_period`` days is merged into the period before it
  (into the one after it when it opens the window).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from reference.fiscal_calendar import fiscal_calendar
from reference.order_lines import validated_order_lines

PERIOD_COLUMNS = ("window_period_number", "period_start_date", "period_end_date", "days_in_period",
                  "merged_short_period_count")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               next_month - dt.timedelta(days=1))


def calendar_periods(first: dt.date, last: dt.date, values: dict) -> pd.DataFrame:
    """period_start_date, period_end_date, days_in_period of every period of the reporting calendar
    that overlaps [first, last] (whole periods, not cut at the range ends)."""
    days = fiscal_calendar(
        first - dt.timedelta(days=400), last + dt.timedelta(days=400),
        str(values["reporting_calendar_pattern"]), int(values["reporting_calendar_start_month"]),
        week_start_isodow=int(values["fiscal_week_start_isodow"]), year_label=str(values["fiscal_year_label"]),
    )
    period = str(values["demand_period"])
    if period == "month":
        keys = ["fiscal_year", "fiscal_period"]
    elif period == "week":
        keys = ["fiscal_year", "fiscal_week"]
    else:
        raise ValueError(f"demand_period={period!r}: use month or week")
    periods = days.groupby(keys, as_index=False).agg(period_start_date=("date", "min"),
                                                      period_end_date=("date", "max"))
    periods["days_in_period"] = (periods["period_end_date"] - periods["period_start_date"]).dt.days + 1
    overlaps = (periods["period_end_date"] >= pd.Timestamp(first)) & (periods["period_start_date"] <= pd.Timestamp(last))
    return periods[overlaps].sort_values("period_start_date").reset_index(drop=True)


def reference_date(values: dict, raw_path: Path | None = None) -> dt.date:
    """The run's reference date: var reference_date as an ISO date, or for ``auto`` the last order date of
    the usable order lines of the raw files in ``raw_path``."""
    setting = str(values["reference_date"])
    if setting != "auto":
        return dt.date.fromisoformat(setting)
    if raw_path is None:
        raise ValueError("reference_date is 'auto': give the raw folder to find the last order date")
    lines = validated_order_lines(Path(raw_path), values)
    usable = lines[lines["rejection_reason"].isna() & ~lines["is_exact_duplicate"].astype(bool)]
    return pd.Timestamp(usable["order_date"].max()).date()


def analysis_periods(values: dict, raw_path: Path | None = None) -> pd.DataFrame:
    """The analysis window's periods (PERIOD_COLUMNS), from the vars (and, for reference_date auto,
    the raw files in ``raw_path``)."""
    reference_date_value = reference_date(values, raw_path)
    window_months = int(values["analysis_window_months"])
    window_floor = months_before(reference_date_value, window_months)
    periods = calendar_periods(window_floor, reference_date_value, values)
    inside = (periods["period_end_date"] <= pd.Timestamp(reference_date_value)) & (
        periods["period_start_date"] > pd.Timestamp(window_floor))
    periods = periods[inside].reset_index(drop=True)
    short = periods["days_in_period"] < int(values["min_days_in_demand_period"])
    position = np.arange(1, len(periods) + 1)
    target = np.where(~short, position, np.where(position > 1, position - 1, position + 1))
    periods["target"] = target
    merged = periods.groupby("target", as_index=False).agg(
        period_start_date=("period_start_date", "min"),
        period_end_date=("period_end_date", "max"),
        days_in_period=("days_in_period", "sum"),
        merged_short_period_count=("days_in_period", lambda s: len(s) - 1),
    ).sort_values("period_start_date").reset_index(drop=True)
    merged["window_period_number"] = np.arange(1, len(merged) + 1)
    return merged[list(PERIOD_COLUMNS)]


def lines_in_window(lines: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """The lines whose order_date falls in an analysis period, with its window_period_number."""
    starts = periods["period_start_date"].to_numpy(dtype="datetime64[ns]")
    ends = periods["period_end_date"].to_numpy(dtype="datetime64[ns]")
    dates = pd.to_datetime(lines["order_date"]).to_numpy(dtype="datetime64[ns]")
    position = np.searchsorted(starts, dates, side="right") - 1
    inside = (position >= 0) & (dates <= ends[np.clip(position, 0, len(ends) - 1)]) if len(ends) else position < -1
    result = lines[inside].copy()
    result["window_period_number"] = periods["window_period_number"].to_numpy()[position[inside]].astype("int64")
    return result.reset_index(drop=True)
