"""Hand-worked classification fixtures (variability for every convention, ABC first entity), checked
against the pandas reference (tests_py/reference/classification.py).

The same 12-period series is in the dbt unit tests ``variability_hand_worked_*`` of
models/intermediate/segmentation/_int_segmentation_variability__models.yml, with the same numbers
(rounded there to 12 decimals, as the model rounds its measures). Every expected value below is
worked out on paper from the rules in docs/xyz_and_demand_patterns.md; the arithmetic is written
next to it.

The series: N = 12 periods of a 4-4-5 calendar (28, 28, 35 days, repeated four times; mean length
L̄ = 364 / 12 = 91/3 days).

    period            1   2   3   4   5   6   7   8   9  10  11  12
    days             28  28  35  28  28  35  28  28  35  28  28  35
    raw demand        0  24  30   0  36  45   0  12   0  48   0   0
    normalised        0  26  26   0  39  39   0  13   0  52   0   0

Normalised = raw / days x 91/3: a 28-day period x 13/12 (24 -> 26, 36 -> 39, 12 -> 13, 48 -> 52),
a 35-day period x 13/15 (30 -> 26, 45 -> 39).

Demand periods 2, 3, 5, 6, 8, 10: k = 6, first f = 2, last l = 10. N - l = 2 periods without
demand at the end, fewer than phased_out_after_periods (12): lifecycle 'active'. History N - f + 1
= 11 >= min_history_periods (6).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reference import classification as ref

DAYS = np.array([28, 28, 35] * 4, dtype="float64")
RAW = np.array([0, 24, 30, 0, 36, 45, 0, 12, 0, 48, 0, 0], dtype="float64")
XYZ_LIMITS = pd.DataFrame({"xyz_class": ["X", "Y", "Z"], "class_rank": [1, 2, 3], "cv_upper": [0.5, 1.0, 1e9]})
CUTOFFS = pd.DataFrame({"parameter": ["adi_cutoff", "cv_squared_cutoff"], "value": [1.32, 0.49]})
TOLERANCE = 1e-12

# --- The arithmetic -------------------------------------------------------------------------------
# ADI by convention (series bounds s..e, n = e - s + 1):
#   whole_window       s = 1, e = 12, n = 12:  ADI = 12 / 6 = 2
#   from_first_demand  s = 2, e = 12, n = 11:  ADI = 11 / 6
#   between_demands    s = 2, e = 10, n = 9:   ADI = (10 - 2) / (6 - 1) = 8 / 5 = 1.6
ADI = {"whole_window": 2.0, "from_first_demand": 11 / 6, "between_demands": 1.6}
SERIES_BOUNDS = {"whole_window": (1, 12), "from_first_demand": (2, 12), "between_demands": (2, 10)}

# CV² of the non-zero demands (the same periods under every ADI convention), mean 195 / 6 = 32.5 in both:
#   normalised 26, 26, 39, 39, 13, 52: squared deviations 4 x 6.5² + 2 x 19.5² = 169 + 760.5 = 929.5
#   raw 24, 30, 36, 45, 12, 48: 8.5² + 2.5² + 3.5² + 12.5² + 20.5² + 15.5²
#                               = 72.25 + 6.25 + 12.25 + 156.25 + 420.25 + 240.25 = 907.5
#   population divides by 6, sample by 5; CV² = variance / 32.5² (32.5² = 1056.25)
NONZERO_SQUARES = {True: 929.5, False: 907.5}
CV_SQUARED = {
    (True, "population"): 929.5 / 6 / 1056.25,  # = 11/75
    (True, "sample"): 929.5 / 5 / 1056.25,  # = 0.176
    (False, "population"): 907.5 / 6 / 1056.25,  # = 121/845
    (False, "sample"): 907.5 / 5 / 1056.25,  # = 726/4225
}

# CV over the series s..e, zeros included. Both series sum to 195 over any of the three bounds;
# sums of squares: normalised 2 x 26² + 2 x 39² + 13² + 52² = 1352 + 3042 + 169 + 2704 = 7267,
#                  raw 24² + 30² + 36² + 45² + 12² + 48² = 576 + 900 + 1296 + 2025 + 144 + 2304 = 7245.
# Sum of squared deviations SS = sum of squares - 195² / n  (195² = 38025):
#   whole_window (n = 12):      normalised 7267 - 3168.75 = 4098.25,   raw 7245 - 3168.75 = 4076.25
#   from_first_demand (n = 11): normalised 7267 - 38025/11 = 41912/11, raw 7245 - 38025/11 = 41670/11
#   between_demands (n = 9):    normalised 7267 - 4225 = 3042,         raw 7245 - 4225 = 3020
# CV = sqrt(SS / d) / (195 / n), d = n (population) or n - 1 (sample).
SUM_OF_SQUARED_DEVIATIONS = {
    ("whole_window", True): 4098.25, ("whole_window", False): 4076.25,
    ("from_first_demand", True): 41912 / 11, ("from_first_demand", False): 41670 / 11,
    ("between_demands", True): 3042.0, ("between_demands", False): 3020.0,
}


def expected_cv(adi_window: str, normalised: bool, deviation: str) -> float:
    start, end = SERIES_BOUNDS[adi_window]
    n = end - start + 1
    divisor = n if deviation == "population" else n - 1
    return math.sqrt(SUM_OF_SQUARED_DEVIATIONS[(adi_window, normalised)] / divisor) / (195 / n)


def test_written_arithmetic_matches_the_closed_forms() -> None:
    """The sums above are right: a few of them reduce to simple closed forms."""
    assert CV_SQUARED[(True, "population")] == pytest.approx(11 / 75, abs=TOLERANCE)
    assert CV_SQUARED[(True, "sample")] == pytest.approx(0.176, abs=TOLERANCE)
    assert CV_SQUARED[(False, "population")] == pytest.approx(121 / 845, abs=TOLERANCE)
    # between_demands, normalised: variance 3042 / 9 = 338 = 2 x 13², mean 65/3 -> CV = 0.6 sqrt(2)
    assert expected_cv("between_demands", True, "population") == pytest.approx(0.6 * math.sqrt(2), abs=TOLERANCE)
    # ... and with sample deviation 3042 / 8 = 380.25 = 19.5², CV = 19.5 / (65/3) = 0.9
    assert expected_cv("between_demands", True, "sample") == pytest.approx(0.9, abs=TOLERANCE)
    normalised = RAW / DAYS * DAYS.mean()
    assert normalised == pytest.approx([0, 26, 26, 0, 39, 39, 0, 13, 0, 52, 0, 0], abs=TOLERANCE)


def variability(adi_window: str, normalised: bool, deviation: str, demand: np.ndarray = RAW,
                days: np.ndarray = DAYS, **settings) -> dict:
    conventions = ref.VariabilityConventions(
        adi_window=adi_window, cv_deviation=deviation, normalise_demand_by_period_length=normalised,
        phased_out_after_periods=settings.pop("phased_out_after_periods", 12), min_history_periods=6,
        **settings,
    )
    first_line = int(np.flatnonzero(demand > 0)[0]) + 1 if (demand > 0).any() else 1
    return ref.entity_variability(demand, first_line, conventions, XYZ_LIMITS, 1.32, 0.49, days)


@pytest.mark.parametrize("deviation", ["population", "sample"])
@pytest.mark.parametrize("normalised", [True, False], ids=["normalised", "raw"])
@pytest.mark.parametrize("adi_window", ["between_demands", "from_first_demand", "whole_window"])
def test_twelve_period_series_by_hand(adi_window: str, normalised: bool, deviation: str) -> None:
    result = variability(adi_window, normalised, deviation)
    start, end = SERIES_BOUNDS[adi_window]
    cv = expected_cv(adi_window, normalised, deviation)
    assert (result["series_start_period_number"], result["series_end_period_number"]) == (start, end)
    assert (result["first_demand_period_number"], result["last_demand_period_number"]) == (2, 10)
    assert result["demand_period_count"] == 6
    assert result["history_period_count"] == 11
    assert result["lifecycle_status"] == "active"
    assert result["average_demand_interval"] == pytest.approx(ADI[adi_window], abs=TOLERANCE)
    assert result["mean_nonzero_demand"] == pytest.approx(32.5, abs=TOLERANCE)
    assert result["cv_squared_nonzero"] == pytest.approx(CV_SQUARED[(normalised, deviation)], abs=TOLERANCE)
    assert result["coefficient_of_variation"] == pytest.approx(cv, abs=TOLERANCE)
    # Every convention: ADI >= 1.32 and CV² < 0.49 -> intermittent; XYZ by the CV (X < 0.5 <= Y < 1.0 <= Z).
    assert result["demand_pattern"] == "intermittent"
    assert result["xyz_class"] == ("X" if cv < 0.5 else "Y" if cv < 1.0 else "Z")


def test_twelve_period_series_classes_differ_by_convention() -> None:
    """The conventions matter: between_demands reads Y (CV 0.85), the other two Z (CV 1.05 and 1.14)."""
    classes = {w: variability(w, True, "population")["xyz_class"] for w in SERIES_BOUNDS}
    assert classes == {"between_demands": "Y", "from_first_demand": "Z", "whole_window": "Z"}


def test_steady_weekly_demand_on_a_445_calendar_has_cv_zero_when_normalised() -> None:
    """10 a week: 40, 40, 50 per 4-4-5 period. Normalised, every period is 10/7 a day x 91/3 days -> CV 0.
    Not normalised: mean 130/3, variance (8 x (10/3)² + 4 x (20/3)²) / 12 = 200/9, CV = sqrt(2) / 13."""
    weekly = np.array([40, 40, 50] * 4, dtype="float64")
    assert variability("between_demands", True, "population", weekly)["coefficient_of_variation"] == 0.0
    raw_cv = variability("between_demands", False, "population", weekly)["coefficient_of_variation"]
    assert raw_cv == pytest.approx(math.sqrt(2) / 13, abs=TOLERANCE)


def test_product_that_stops_selling_is_phased_out_and_keeps_its_pattern() -> None:
    """Sold 10 every month for 18 months of a 24-month window, then nothing. With
    phased_out_after_periods 6 (N - l = 24 - 18 = 6): phased_out, and over its active life 1..18
    ADI 17 / 17 = 1, CV 0 -> smooth, X (not intermittent). Under from_first_demand the phase-out
    also ends its series (ADI 18 / 18). Not yet phased out (12 periods), from_first_demand counts
    the six silent months: ADI 24 / 18 = 4/3 >= 1.32 -> intermittent, while between_demands still
    reads 1 -> smooth. whole_window (the libraries' convention) ignores lifecycles: intermittent."""
    stopped = np.array([10.0] * 18 + [0.0] * 6)
    flat = np.full(24, 30.0)
    result = variability("between_demands", True, "population", stopped, flat, phased_out_after_periods=6)
    assert result["lifecycle_status"] == "phased_out"
    assert result["series_end_period_number"] == 18
    assert result["average_demand_interval"] == pytest.approx(1.0)
    assert result["coefficient_of_variation"] == 0.0
    assert (result["demand_pattern"], result["xyz_class"]) == ("smooth", "X")

    from_first = variability("from_first_demand", True, "population", stopped, flat, phased_out_after_periods=6)
    assert (from_first["lifecycle_status"], from_first["demand_pattern"]) == ("phased_out", "smooth")
    assert from_first["average_demand_interval"] == pytest.approx(1.0)

    not_yet = variability("from_first_demand", True, "population", stopped, flat, phased_out_after_periods=12)
    assert not_yet["lifecycle_status"] == "active"
    assert not_yet["average_demand_interval"] == pytest.approx(4 / 3)
    assert not_yet["demand_pattern"] == "intermittent"
    between_not_yet = variability("between_demands", True, "population", stopped, flat, phased_out_after_periods=12)
    assert (between_not_yet["lifecycle_status"], between_not_yet["demand_pattern"]) == ("active", "smooth")

    whole = variability("whole_window", True, "population", stopped, flat, phased_out_after_periods=6)
    assert (whole["lifecycle_status"], whole["demand_pattern"]) == ("phased_out", "intermittent")


def test_single_sale_long_ago_reads_intermittent() -> None:
    """One sale of 5 in period 3 of 24: no interval to average, so the series runs to N under
    between_demands too: ADI 22 / 1 = 22 -> intermittent; CV of one 5 among 22 periods = sqrt(21)."""
    once = np.zeros(24)
    once[2] = 5.0
    result = variability("between_demands", True, "population", once, np.full(24, 30.0), phased_out_after_periods=6)
    assert result["lifecycle_status"] == "phased_out"
    assert (result["series_start_period_number"], result["series_end_period_number"]) == (3, 24)
    assert result["average_demand_interval"] == pytest.approx(22.0)
    assert result["coefficient_of_variation"] == pytest.approx(math.sqrt(21))
    assert result["demand_pattern"] == "intermittent"


@pytest.mark.parametrize(
    ("demand", "status"),
    [
        (np.array([0.0] * 24), "no_demand"),
        (np.array([0.0] * 20 + [6.0] * 4), "new"),
        (np.array([8.0, 0.0] * 12), "active"),
    ],
    ids=["no_demand", "new", "active"],
)
def test_other_lifecycle_statuses(demand: np.ndarray, status: str) -> None:
    """No demand period -> no_demand; first demand 4 periods before the end (< 6) -> new; selling every
    other period to the end -> active."""
    result = variability("between_demands", True, "population", demand, np.full(24, 30.0), phased_out_after_periods=6)
    assert result["lifecycle_status"] == status


def test_phased_out_wins_over_new() -> None:
    """Launched in period 20 of 24, last sale in period 21: N - l = 3 >= phased_out_after_periods 3,
    history 5 < 6. The first rule that holds is phased_out; the pattern is still 'new'."""
    short_lived = np.zeros(24)
    short_lived[19:21] = 4.0
    result = variability("between_demands", True, "population", short_lived, np.full(24, 30.0),
                         phased_out_after_periods=3)
    assert result["lifecycle_status"] == "phased_out"
    assert result["demand_pattern"] == "new"


def test_abc_first_ranked_entity_is_top_class_under_both_conventions() -> None:
    """85 / 10 / 5 with limits A 0.80, B 0.95, C 1.00: the leader crosses 0.80 on its own but is A under
    crossing_item_lower too; the only entity of a grain (share 1.00) is A, not C."""
    thresholds = pd.DataFrame({"abc_class": ["A", "B", "C"], "class_rank": [1, 2, 3],
                               "cumulative_share_upper": [0.80, 0.95, 1.00]})
    shares = ref.abc_classes(pd.Series({"BIG": 85.0, "SMALL1": 10.0, "SMALL2": 5.0}), thresholds)
    assert shares["abc_class_crossing_item_lower"].to_dict() == {"BIG": "A", "SMALL1": "B", "SMALL2": "C"}
    assert shares["abc_class_crossing_item_upper"].to_dict() == {"BIG": "A", "SMALL1": "B", "SMALL2": "C"}
    only = ref.abc_classes(pd.Series({"ONLY": 500.0}), thresholds)
    assert only.loc["ONLY"].tolist() == ["A", "A"]
    loss_only = ref.abc_classes(pd.Series({"LOSS": -5.0}), thresholds)
    assert loss_only.loc["LOSS"].tolist() == ["C", "C"]
