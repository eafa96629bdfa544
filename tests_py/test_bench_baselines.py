"""The benchmark's classification baselines (supplyseg.bench.baseline_pandas / baseline_duckdb).

Unit tests on a tiny hand-made raw folder whose classes are worked out by hand below, and an end-to-end
check that both baselines agree with the marts of the small build.

The folder: one business unit (EUR), four customers C1..C4, four products P1..P4, no CRM and no FX file,
so customer entity = "BU1:C<n>" and every amount is already in EUR. Unit cost 0, so gross margin =
revenue. The last order is on 2025-12-31: the window is Jan 2023..Dec 2025, 36 monthly periods.

    product  customer  lines                                  revenue  volume
    P1       C1        every month, 10 x 2.00                     720     360
    P2       C2        months 1, 4, ..., 34 (12 lines), 9 x 1.25  135     108
    P3       C3        months 33 and 35, 3 x 6.00                  36       6
    P4       C4        month 2: 1 x 1.00, month 20: 8 x 1.00        9       9
    total                                                         900     483

ABC on margin (crossing_item_lower, thresholds 0.80 / 0.95 / 1.00):
    P1 720/900 = 0.80 (on the A limit: A), P2 855/900 = 0.95 (on the B limit: B), P3 0.99 C, P4 1.00 C.
Multi-criteria, secondary measure volume: P1 360/483 = 0.745 A, P2 468/483 = 0.969 (crosses 0.95: C),
    P4 477/483 C, P3 C  ->  P1 AA, P2 BC, P3 CC, P4 CC.
Demand: P1 every month, steady (ADI 1, CV about 0.03 after scaling months to equal length): smooth, X.
    P2 every third month, steady: ADI 3, CV2 about 0 -> intermittent; CV of the 34-period series with 12
    demands is about sqrt(22/12) = 1.35 -> Z.
    P3 first demand in period 33: 36 - 33 + 1 = 4 < 6 periods of history -> new, provisional Z.
    P4 demands 1 and 8 in periods 2 and 20: ADI 18; CV2 of (1, 8) scaled by 28 and 31 days is 0.57 >= 0.49
    -> lumpy, Z.
Customers mirror the products (customer ABC ranks on revenue): C1 A, C2 B, C3 C, C4 C; secondary measure
order lines: C1 36/52 = 0.69 A, C2 48/52 = 0.923 B, C3 and C4 C.
Traps: an exact copy of a P1 line (if kept, P1 = 740/920 = 0.804 crosses 0.80: B), a P4 line for an
unknown customer C99 of 500 units and a P4 line without unit price (if kept, P4 becomes the largest product).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from supplyseg.bench import baseline_duckdb, baseline_pandas
from supplyseg.bench.agreement import agreement, format_agreement

COLUMNS = ["business_unit_id", "order_id", "order_line_number", "order_date", "customer_id", "product_id",
           "quantity", "unit_price", "unit_cost", "currency_code"]
BASELINES = [baseline_pandas, baseline_duckdb]


def _month(period: int, day: int = 15) -> str:
    """ISO date in period 1..36 of Jan 2023..Dec 2025."""
    year, month = 2023 + (period - 1) // 12, (period - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture()
def tiny_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    _write(raw / "business_units.csv", ["business_unit_id", "currency_code", "fiscal_calendar", "fiscal_year_start_month"],
           [["BU1", "EUR", "gregorian", 1]])
    _write(raw / "customers.csv", ["business_unit_id", "customer_id", "customer_name"],
           [["BU1", f"C{n}", f"Customer {n}"] for n in range(1, 5)])
    _write(raw / "products.csv", ["product_id", "product_name", "standard_cost"],
           [[f"P{n}", f"Product {n}", 0] for n in range(1, 5)])
    lines: list[list[object]] = []

    def line(period: int, customer: str, product: str, quantity: float, price: object, day: int = 15) -> None:
        lines.append(["BU1", f"O{len(lines) + 1}", 1, _month(period, day), customer, product, quantity, price, 0, "EUR"])

    for period in range(1, 37):
        line(period, "C1", "P1", 10, 2.0, day=31 if period == 36 else 15)
    for period in range(1, 37, 3):
        line(period, "C2", "P2", 9, 1.25)
    line(33, "C3", "P3", 3, 6.0)
    line(35, "C3", "P3", 3, 6.0)
    line(2, "C4", "P4", 1, 1.0)
    line(20, "C4", "P4", 8, 1.0)
    lines.append(list(lines[5]))  # exact copy of P1's line in period 6: removed
    line(10, "C99", "P4", 500, 1.0)  # unknown customer: quarantined
    line(11, "C4", "P4", 500, "")  # missing unit price (required): quarantined
    _write(raw / "order_lines.csv", COLUMNS, lines)
    return raw


def _classes(frame: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    return {(row.grain, row.entity_id, row.field): row.value for row in frame.itertuples(index=False)}


EXPECTED = {
    ("product", "P1"): {"abc_class": "A", "multi_criteria_class": "AA", "xyz_class": "X", "demand_pattern": "smooth"},
    ("product", "P2"): {"abc_class": "B", "multi_criteria_class": "BC", "xyz_class": "Z",
                        "demand_pattern": "intermittent"},
    ("product", "P3"): {"abc_class": "C", "multi_criteria_class": "CC", "xyz_class": "Z", "demand_pattern": "new"},
    ("product", "P4"): {"abc_class": "C", "multi_criteria_class": "CC", "xyz_class": "Z", "demand_pattern": "lumpy"},
    ("customer", "BU1:C1"): {"abc_class": "A", "multi_criteria_class": "AA", "xyz_class": "X",
                             "demand_pattern": "smooth"},
    ("customer", "BU1:C2"): {"abc_class": "B", "multi_criteria_class": "BB", "xyz_class": "Z",
                             "demand_pattern": "intermittent"},
    ("customer", "BU1:C3"): {"abc_class": "C", "multi_criteria_class": "CC", "xyz_class": "Z", "demand_pattern": "new"},
    ("customer", "BU1:C4"): {"abc_class": "C", "multi_criteria_class": "CC", "xyz_class": "Z",
                             "demand_pattern": "lumpy"},
}


@pytest.mark.parametrize("baseline", BASELINES, ids=["pandas", "duckdb"])
def test_hand_worked_classes(baseline, tiny_raw: Path) -> None:
    result = baseline.classify(tiny_raw)
    assert list(result.columns) == ["grain", "entity_id", "field", "value"]
    expected = {(grain, entity, field): value
                for (grain, entity), fields in EXPECTED.items() for field, value in fields.items()}
    # Exactly these entities: the line of unknown customer C99 made no customer entity.
    assert _classes(result) == expected


@pytest.mark.parametrize("baseline", BASELINES, ids=["pandas", "duckdb"])
def test_crossing_item_upper_moves_the_crossing_product_up(baseline, tiny_raw: Path) -> None:
    # Under crossing_item_upper an entity is in a class while the share before it is below the limit: P2's
    # volume share before it is 360/483 = 0.745 < 0.80, so its secondary class is A (C under the default);
    # its margin share before it is 0.80, not below 0.80, so its ABC class stays B.
    result = _classes(baseline.classify(tiny_raw, vars={"abc_boundary_convention": "crossing_item_upper"}))
    assert result[("product", "P2", "multi_criteria_class")] == "BA"
    assert result[("product", "P1", "abc_class")] == "A"


@pytest.mark.parametrize("baseline", BASELINES, ids=["pandas", "duckdb"])
@pytest.mark.parametrize("name, value", [("demand_period", "week"), ("reporting_calendar_pattern", "445"),
                                         ("decay_half_life_periods", 6)])
def test_unsupported_var_setting_is_refused_by_name(baseline, tiny_raw: Path, name: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"var {name}="):
        baseline.classify(tiny_raw, vars={name: value})


@pytest.mark.e2e
def test_both_baselines_agree_with_the_marts_on_small(small_build) -> None:
    for baseline in BASELINES:
        table = agreement(baseline.classify(small_build.data_dir), small_build.db_path)
        assert set(zip(table["grain"], table["field"])) == {
            (grain, field) for grain in ("customer", "product")
            for field in ("abc_class", "multi_criteria_class", "xyz_class", "demand_pattern")
        }
        assert (table["entities_compared"] > 0).all()
        assert (table["share"] >= 0.999).all(), f"{baseline.__name__}:\n{format_agreement(table)}"
