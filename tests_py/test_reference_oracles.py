"""The test oracles of tests_py/reference on small hand-written inputs, with the answers worked out here.

An oracle that is wrong makes every comparison with it meaningless, so each rule it implements is
checked on a case small enough to follow by hand: validation reasons in their documented order, exact
and conflicting duplicates, FX conversion and a missing rate, the customer hierarchy fallbacks, the
outlier limits (the same numbers as the dbt unit test outlier_limits_at_the_boundaries), and the
analysis window boundaries.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from reference import order_lines, outliers, periods
from reference.settings import project_vars

BUSINESS_UNITS = """business_unit_id,business_unit_name,currency_code,fiscal_calendar,fiscal_year_start_month
EU01,Europe,EUR,gregorian,1
US01,Americas,usd,445,2
"""
CUSTOMERS = """business_unit_id,customer_id,customer_name
EU01,001,Acme
US01,C-9,Globex
US01,C-8,Initech
"""
CRM = """business_unit_id,customer_id,global_account_id
EU01,001,GA-1
US01,C-9,GA-1
"""
PRODUCTS = """product_id,product_name,standard_cost
P1,Widget,2.5
P2,Gadget,
"""
FX = """currency_code,rate_month,rate_to_reporting
USD,2025-01-01,0.9
USD,2025-01-01,0.5
GBP,2025-01-01,1.2
"""
SHIP_TOS = """business_unit_id,ship_to_id,customer_id,logistics_unit
EU01,S1,001,DC-North
"""
# Row: expected rejection (None = usable), and whether it is an exact copy.
ORDER_LINES = [
    ("EU01,O1,1,2025-01-10,001,S1,P1,5,10,4,,retail", None, False),
    ("US01,O2,1,2025-01-12,C-9,,P1,2,10,,,", None, False),                       # USD, rate 0.9 (first row)
    ("US01,O3,1,2025-02-12,C-9,,P1,2,10,,,", "missing_fx_rate", False),          # no USD rate for February
    ("EU01,O4,1,2025-01-10,001,S2,P2,3,10,,GBP,Direct", None, False),           # GBP line in a EUR unit
    ("EU01,O5,1,,001,,P1,1,10,,,", "missing_required:order_date", False),
    ("EU01,O6,1,2025-02-30,001,,P1,1,10,,,", "unparseable:order_date", False),
    ("EU01,O1,1,2025-01-10,001,S1,P1,5,10,4,,retail", None, True),               # exact copy of row 1
    ("EU01,O1,1,2025-01-11,001,S1,P1,5,10,4,,retail", "conflicting_duplicate_key", False),
    ("XX01,O7,1,2025-01-10,001,,P1,1,10,,,", "unknown_business_unit", False),
    ("EU01,O8,1,2025-01-10,999,,P1,1,10,,,", "unknown_customer", False),
    ("EU01,O9,1,2025-01-10,001,,P9,1,10,,,", "unknown_product", False),
    ("US01,O10,1,2025-01-15,C-8,,P1,-1,10,,,", None, False),                     # a return, no CRM record
    ("EU01,O11,1,2025-01-10,001,,P1,NaN,10,,,", "out_of_range:quantity", False),  # NaN parses, is not finite
    ("EU01,O12,1,2025-01-10,001,,P1,1,-10,,,", "out_of_range:unit_price", False), # negative price
    ("EU01,O13,1,2025-01-10,001,,P1,1e308,10,,,", "out_of_range:quantity", False),  # above contract_max_abs_value
]
ORDER_LINES_HEADER = ("business_unit_id,order_id,order_line_number,order_date,customer_id,ship_to_id,product_id,"
                      "quantity,unit_price,unit_cost,currency_code,channel")


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    files = {"business_units": BUSINESS_UNITS, "customers": CUSTOMERS, "crm_accounts": CRM, "products": PRODUCTS,
             "fx_rates": FX, "ship_tos": SHIP_TOS,
             "order_lines": "\n".join([ORDER_LINES_HEADER, *(row for row, _, _ in ORDER_LINES)]) + "\n"}
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text)
    return tmp_path


def test_validation_reasons_duplicates_and_fx(raw: Path) -> None:
    validated = order_lines.validated_order_lines(raw, project_vars({"reporting_currency": "EUR"}))
    assert validated["rejection_reason"].tolist() == [reason for _, reason, _ in ORDER_LINES]
    assert validated["is_exact_duplicate"].tolist() == [copy for _, _, copy in ORDER_LINES]
    rates = validated.set_index("order_id")["fx_rate_to_reporting"]
    assert rates["O2"] == 0.9  # the first of two rows for USD January counts
    assert math.isnan(rates["O3"])
    assert rates["O4"] == 1.2 and validated.set_index("order_id").loc["O4", "document_currency_code"] == "GBP"


def test_consolidated_lines_amounts_and_hierarchy(raw: Path) -> None:
    lines = order_lines.consolidated_order_lines(raw, project_vars({"reporting_currency": "EUR"}))
    lines = lines.set_index("order_id")
    assert sorted(lines.index) == ["O1", "O10", "O2", "O4"]
    # O1: 5 x 10 EUR, cost 4 from the line; O2: 2 x 10 USD at 0.9, standard cost 2.5 (already EUR).
    assert lines.loc["O1", ["revenue_rep_ccy", "cost_rep_ccy", "gross_margin_rep_ccy"]].tolist() == [50.0, 20.0, 30.0]
    assert lines.loc["O2", "revenue_rep_ccy"] == pytest.approx(18.0)
    assert lines.loc["O2", "cost_rep_ccy"] == pytest.approx(5.0)
    assert lines.loc["O2", "cost_source"] == "standard_cost"
    assert pd.isna(lines.loc["O4", "cost_rep_ccy"]) and pd.isna(lines.loc["O4", "cost_source"])  # P2 has no cost
    assert lines.loc["O4", "revenue_rep_ccy"] == pytest.approx(36.0)  # 3 x 10 GBP at 1.2
    # Hierarchy: EU01:001 and US01:C-9 share GA-1; US01:C-8 has no CRM record and is its own account.
    assert lines.loc["O1", "segment_customer_id"] == lines.loc["O2", "segment_customer_id"] == "GA-1"
    assert lines.loc["O10", "segment_customer_id"] == "US01:C-8"
    # Logistics unit from the WMS; a ship-to the WMS does not know, or no ship-to, is UNASSIGNED.
    assert lines["logistics_unit"].to_dict() == {"O1": "DC-North", "O2": "UNASSIGNED", "O4": "UNASSIGNED",
                                                  "O10": "UNASSIGNED"}
    assert lines.loc["O4", "channel"] == "direct" and lines.loc["O2", "channel"] == "unknown"
    assert lines.loc["O2", "plant_id"] == "UNASSIGNED"
    # A return counts in neither value nor variability (returns_handling: separate).
    assert lines.loc["O10", "is_return"] and not lines.loc["O10", "counts_in_value"]
    assert not lines.loc["O10", "counts_in_variability"]
    by_unit_customer = order_lines.consolidated_order_lines(
        raw, project_vars({"reporting_currency": "EUR", "customer_grain": "business_unit_customer"}))
    assert by_unit_customer.set_index("order_id").loc["O2", "segment_customer_id"] == "US01:C-9"


RULE = outliers.OutlierRule(method="log_mad", multiplier=3.5, min_ratio_to_median=10, min_lines=8)


def test_outlier_limits_where_the_mad_decides() -> None:
    # Median ln 16, MAD ln 2: s = 3.5 * 1.4826 * ln 2 = 3.596810 > ln 10; e^s = 36.4817.
    lower, upper = outliers.limits([8, 8, 16, 16, 16, 32, 32, 580, 590, 0.44, 0.43], RULE)
    assert upper == pytest.approx(583.7068, rel=1e-6) and lower == pytest.approx(0.438576, rel=1e-5)


def test_outlier_limits_where_the_ratio_floor_decides() -> None:
    # MAD ln(10/9): 3.5 * 1.4826 * 0.105361 = 0.546726 < ln 10, so the floor gives [1, 100].
    lower, upper = outliers.limits([9, 10, 10, 10, 11, 99, 101, 1.01, 0.99], RULE)
    assert (lower, upper) == (pytest.approx(1.0), pytest.approx(100.0))


def test_outlier_minimum_lines_and_non_positive_values() -> None:
    assert outliers.limits([10] * 6 + [1000], RULE) is None
    assert outliers.limits([10] * 6 + [1000, 0, -5], RULE) is None  # log_mad judges positive values only
    assert outliers.limits([10] * 7 + [1000], RULE) == (pytest.approx(1.0), pytest.approx(100.0))


def test_window_boundaries_and_short_weeks() -> None:
    # Monthly gregorian: 2025-03-31 minus 3 months = 2024-12-31, so January to March.
    months = periods.analysis_periods(project_vars({"reference_date": "2025-03-31", "analysis_window_months": 3,
                                                    "demand_period": "month"}))
    assert [d.date().isoformat() for d in months["period_start_date"]] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    # Mid-month reference date: March (ends 03-31) is not whole by 2025-03-15, January 15 cuts January.
    mid = periods.analysis_periods(project_vars({"reference_date": "2025-03-15", "analysis_window_months": 2,
                                                 "demand_period": "month"}))
    assert [d.date().isoformat() for d in mid["period_start_date"]] == ["2025-02-01"]
    # Weekly gregorian: the 2-day week 53 of 2024 (12-30..31) is merged into week 52.
    weeks = periods.analysis_periods(project_vars({"reference_date": "2025-01-12", "analysis_window_months": 1,
                                                   "demand_period": "week"}))
    assert weeks[["period_start_date", "period_end_date", "days_in_period", "merged_short_period_count"]].astype(
        str).values.tolist() == [
        ["2024-12-16", "2024-12-22", "7", "0"],
        ["2024-12-23", "2024-12-31", "9", "1"],
        ["2025-01-01", "2025-01-07", "7", "0"],
    ]
    assert periods.months_before(pd.Timestamp("2025-03-31").date(), 1).isoformat() == "2025-02-28"
