"""Months and days of the generated history, with fast lookup of ISO date strings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

# Days after the last history day that may still be referenced (deliveries of late-December orders).
TAIL_DAYS = 120
# Relative chance of an order on Monday..Sunday.
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 0.95, 0.08, 0.03)


def add_months(day: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Timeline:
    """The history: ``n_months`` months from ``first_month``; day 0 is the first history day."""

    first_month: dt.date
    n_months: int
    iso_days: np.ndarray = field(repr=False)  # object array of 'YYYY-MM-DD', index = day number
    month_first_day: np.ndarray = field(repr=False)  # day number of each month's 1st (n_months + 1 entries)
    weekday: np.ndarray = field(repr=False)  # ISO weekday - 1 of every day number

    @classmethod
    def build(cls, first_month: dt.date, n_months: int) -> "Timeline":
        """Timeline of n_months months starting at first_month (a 1st of month)."""
        if first_month.day != 1:
            raise ValueError(f"Timeline: first_month={first_month.isoformat()} is not the 1st of a month")
        end = add_months(first_month, n_months)
        total_days = (end - first_month).days + TAIL_DAYS
        days = [first_month + dt.timedelta(days=i) for i in range(total_days)]
        iso = np.array([d.isoformat() for d in days], dtype=object)
        starts = np.array([(add_months(first_month, m) - first_month).days for m in range(n_months + 1)])
        weekday = np.array([d.weekday() for d in days], dtype=np.int64)
        return cls(first_month, n_months, iso, starts, weekday)

    @property
    def last_day(self) -> int:
        """Day number of the last history day."""
        return int(self.month_first_day[-1]) - 1

    def month_start(self, month: int) -> dt.date:
        """First day of history month ``month`` (0-based)."""
        return add_months(self.first_month, month)

    def month_start_iso(self, month: int) -> str:
        """ISO string of the first day of history month ``month``."""
        return str(self.iso_days[self.month_first_day[month]])

    def month_end_iso(self, month: int) -> str:
        """ISO string of the last day of history month ``month``."""
        return str(self.iso_days[self.month_first_day[month + 1] - 1])

    def days_in_month(self, month: int) -> int:
        """Number of days of history month ``month``."""
        return int(self.month_first_day[month + 1] - self.month_first_day[month])

    def calendar_months(self) -> np.ndarray:
        """Calendar month number (1-12) of every history month."""
        return np.array([self.month_start(m).month for m in range(self.n_months)], dtype=np.int64)

    def iso(self, day_numbers: np.ndarray) -> np.ndarray:
        """ISO date strings of day numbers (object array)."""
        return self.iso_days[day_numbers]

    def order_day_weights(self, month: int) -> np.ndarray:
        """Probability of an order on each day of a month (weekdays weigh more)."""
        first, last = self.month_first_day[month], self.month_first_day[month + 1]
        weights = np.asarray(WEEKDAY_WEIGHTS)[self.weekday[first:last]]
        return weights / weights.sum()
