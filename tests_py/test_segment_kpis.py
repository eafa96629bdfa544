"""Segment KPIs (issue 17, sections 1-2) recomputed independently from the raw files of the small dataset.

The oracle (tests_py/reference/kpis.py) reads the raw CSV files, the seeds and the vars, never a dbt model,
and follows the doc blocks of docs/kpis.md. Segment membership is the one input taken from the build: each
entity's published segment (dim_customer_segments / dim_product_segments, checked against the classification
oracle by test_classification_independent.py); every KPI value is then recomputed from raw deliveries,
forecasts, inventory snapshots and order lines and compared with marts.fct_segment_kpis.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import Build
from reference import kpis as reference_kpis
from reference.settings import project_vars as read_project_vars

pytestmark = pytest.mark.e2e

RELATIVE_TOLERANCE = 1e-9
# The generator delivers ~15% of lines after the requested date (supplyseg/demo_data/logistics.py LATE_SHARE).
GENERATOR_LATE_SHARE = 0.15


@pytest.fixture(scope="module")
def values() -> dict:
    return read_project_vars()


@pytest.fixture(scope="module")
def sales_lines(small_build: Build, values: dict) -> pd.DataFrame:
    return reference_kpis.measured_sales_lines(small_build.data_dir, values)


@pytest.fixture(scope="module")
def segments(small_build: Build) -> dict[str, pd.Series]:
    customers = small_build.query("select customer_segment_id, final_segment_code from marts.dim_customer_segments")
    products = small_build.query("select product_id, final_segment_code from marts.dim_product_segments")
    return {
        "customer": customers.set_index("customer_segment_id")["final_segment_code"],
        "product": products.set_index("product_id")["final_segment_code"],
    }


@pytest.fixture(scope="module")
def mart_kpis(small_build: Build) -> pd.DataFrame:
    kpis = small_build.query(
        "select grain, segment_code, period_start_date, kpi_name, kpi_value, target_value, gap_to_target,"
        " attainment, is_target_met, better_direction from marts.fct_segment_kpis"
    )
    kpis["period_start_date"] = pd.to_datetime(kpis["period_start_date"])
    return kpis


def _compare(expected: pd.DataFrame, mart: pd.DataFrame, grain: str, names: tuple[str, ...]) -> None:
    built = mart[(mart["grain"] == grain) & mart["kpi_name"].isin(names)]
    expected = expected[expected["kpi_name"].isin(names)]
    keys = ["segment_code", "period_start_date", "kpi_name"]
    merged = expected.merge(built[keys + ["kpi_value"]], on=keys, how="outer", suffixes=("_expected", "_mart"),
                            indicator=True)
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"{grain}: rows only in one side:\n{only.head(20).to_string()}"
    wrong = []
    for name in names:
        rows = merged[merged["kpi_name"] == name]
        assert len(rows) > 0, f"{grain} {name}: no rows to compare"
        if rows["kpi_value_mart"].to_numpy() != pytest.approx(
                rows["kpi_value_expected"].to_numpy(), rel=RELATIVE_TOLERANCE, abs=1e-12):
            wrong.append(name)
    assert wrong == [], f"{grain}: KPIs that differ from the oracle: {wrong}"


SERVICE = ("on_time_rate", "in_full_rate", "otif_rate", "line_fill_rate", "order_fill_rate", "cost_to_serve_share")


@pytest.mark.parametrize("grain,entity", [("product", "product_id"), ("customer", "segment_customer_id")])
def test_service_level_and_cost_to_serve_match_the_oracle(sales_lines, segments, mart_kpis, grain, entity) -> None:
    expected = reference_kpis.service_kpis(sales_lines, entity, segments[grain])
    _compare(expected, mart_kpis, grain, SERVICE)


def test_forecast_wape_and_bias_match_the_oracle(small_build, values, sales_lines, segments, mart_kpis) -> None:
    errors = reference_kpis.forecast_errors(small_build.data_dir, values, sales_lines)
    assert len(errors) > 0 and (errors["actual"] > 0).any()  # guard: forecasts are measured
    expected = reference_kpis.forecast_kpis(errors, segments["product"])
    _compare(expected, mart_kpis, "product", ("forecast_wape", "forecast_bias"))


def test_inventory_turns_and_days_of_supply_match_the_oracle(small_build, values, sales_lines, segments,
                                                              mart_kpis) -> None:
    expected = reference_kpis.inventory_kpis(small_build.data_dir, values, sales_lines, segments["product"])
    _compare(expected, mart_kpis, "product", ("inventory_turns", "days_of_supply"))


def test_otif_is_near_the_generator_truth(sales_lines) -> None:
    # Generator truth, not the oracle: about LATE_SHARE of the lines arrive late.
    delivered = sales_lines[sales_lines["on_time_base"]]
    late_share = 1.0 - delivered["is_on_time"].mean()
    assert late_share == pytest.approx(GENERATOR_LATE_SHARE, abs=0.02)


def test_gap_and_attainment_follow_the_direction_of_the_kpi(mart_kpis) -> None:
    rows = mart_kpis[mart_kpis["target_value"].notna()]
    assert set(rows["better_direction"]) == {"higher", "lower", "closer_to_zero"}
    sign = rows["better_direction"].map({"higher": 1.0, "lower": -1.0, "closer_to_zero": -1.0})
    value = rows["kpi_value"].where(rows["better_direction"] != "closer_to_zero", rows["kpi_value"].abs())
    expected_gap = sign * (value - rows["target_value"])
    assert rows["gap_to_target"].to_numpy() == pytest.approx(expected_gap.to_numpy(), rel=1e-12, abs=1e-12)
    expected_attainment = (value / rows["target_value"]).where(sign > 0, rows["target_value"] / value)
    expected_attainment = expected_attainment.replace([float("inf"), -float("inf")], float("nan"))  # x / 0: null
    assert rows["attainment"].to_numpy(dtype=float) == pytest.approx(
        expected_attainment.to_numpy(dtype=float), rel=1e-12, nan_ok=True)
    assert (rows["is_target_met"] == (expected_gap >= -1e-9)).all()
    assert (~rows["is_target_met"]).any() and rows["is_target_met"].any()  # guard: both outcomes occur


def test_targets_come_from_the_segment_row_before_the_any_segment_row(mart_kpis) -> None:
    from reference.settings import seed

    targets = seed("kpi_targets")
    targets["target_value"] = targets["target_value"].astype(float)
    own = targets[targets["segment_code"] != "*"].set_index(["segment_code", "kpi_name"])["target_value"]
    default = targets[targets["segment_code"] == "*"].set_index("kpi_name")["target_value"]
    keys = list(zip(mart_kpis["segment_code"], mart_kpis["kpi_name"]))
    expected = [own.get(key, default.get(key[1])) for key in keys]
    assert mart_kpis["target_value"].to_numpy() == pytest.approx(expected)
    assert any(key in own.index for key in keys)  # guard: a segment-specific target is used


def test_forecast_accuracy_per_demand_pattern_and_method_family(small_build, values, sales_lines) -> None:
    from reference.settings import seed

    products = small_build.query("select product_id, final_segment_code, demand_pattern from marts.dim_product_segments")
    products = products.set_index("product_id")
    families = seed("forecast_methods").set_index("demand_pattern")["forecast_method_family"]
    errors = reference_kpis.forecast_errors(small_build.data_dir, values, sales_lines)
    errors = errors[errors["product_id"].isin(products.index)].copy()
    errors["segment_code"] = errors["product_id"].map(products["final_segment_code"])
    errors["demand_pattern"] = errors["product_id"].map(products["demand_pattern"])
    errors["absolute_error"] = (errors["forecast"] - errors["actual"]).abs()
    expected = errors.groupby(["segment_code", "demand_pattern", "period_start_date"])[
        ["absolute_error", "actual"]].sum().reset_index()
    expected["forecast_method_family"] = expected["demand_pattern"].map(families)
    mart = small_build.query(
        "select segment_code, demand_pattern, forecast_method_family, period_start_date,"
        " absolute_forecast_error_quantity, actual_quantity, forecast_wape from marts.fct_forecast_accuracy")
    mart["period_start_date"] = pd.to_datetime(mart["period_start_date"])
    keys = ["segment_code", "demand_pattern", "period_start_date"]
    merged = expected.merge(mart, on=keys, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head().to_string()
    assert (merged["forecast_method_family_x"] == merged["forecast_method_family_y"]).all()
    assert len(set(merged["forecast_method_family_x"])) > 1  # guard: several families are measured
    assert merged["absolute_forecast_error_quantity"].to_numpy() == pytest.approx(merged["absolute_error"].to_numpy())
    with_actual = merged[merged["actual"] > 0]
    assert with_actual["forecast_wape"].to_numpy() == pytest.approx(
        (with_actual["absolute_error"] / with_actual["actual"]).to_numpy(), rel=RELATIVE_TOLERANCE)


def _sustained_misses(expected: pd.DataFrame, periods: pd.DataFrame, targets: pd.Series, direction: str,
                      min_run: int) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """(segment, first missed period start, last missed period start) of every run of >= min_run missed periods."""
    order = {start: position for position, start in enumerate(pd.to_datetime(periods["period_start_date"]))}
    runs = []
    for segment, rows in expected.groupby("segment_code"):
        target = targets[segment]
        gap = rows["kpi_value"] - target if direction == "higher" else target - rows["kpi_value"]
        missed = sorted(order[start] for start in rows.loc[gap.round(9) < 0, "period_start_date"])
        starts = list(order)
        run: list[int] = []
        for position in missed + [None]:
            if run and (position is None or position != run[-1] + 1):
                if len(run) >= min_run:
                    runs.append((segment, starts[run[0]], starts[run[-1]]))
                run = []
            if position is not None:
                run.append(position)
    return runs


@pytest.mark.parametrize("kpi_name,direction,measure", [
    ("on_time_rate", "higher", "late"),
    ("forecast_wape", "lower", "absolute_error"),
])
def test_root_causes_rank_the_entities_behind_sustained_misses(small_build, values, sales_lines, segments,
                                                               kpi_name, direction, measure) -> None:
    from reference.settings import seed

    grain_segments = segments["product"]
    periods = reference_kpis.kpi_periods(values, small_build.data_dir)
    targets_seed = seed("kpi_targets")
    targets_seed["target_value"] = targets_seed["target_value"].astype(float)
    rows = targets_seed[targets_seed["kpi_name"] == kpi_name]
    default = rows.loc[rows["segment_code"] == "*", "target_value"].iloc[0]
    own = rows[rows["segment_code"] != "*"].set_index("segment_code")["target_value"]
    targets = pd.Series({code: own.get(code, default) for code in grain_segments.unique()})

    if kpi_name == "on_time_rate":
        expected = reference_kpis.service_kpis(sales_lines, "product_id", grain_segments)
        contributions = sales_lines[sales_lines["on_time_base"] & ~sales_lines["is_on_time"]].assign(late=1.0)
    else:
        errors = reference_kpis.forecast_errors(small_build.data_dir, values, sales_lines)
        expected = reference_kpis.forecast_kpis(errors, grain_segments)
        contributions = errors.assign(absolute_error=(errors["forecast"] - errors["actual"]).abs())
    expected = expected[expected["kpi_name"] == kpi_name]
    contributions = contributions.assign(segment_code=contributions["product_id"].map(grain_segments))
    min_run = int(values["kpi_root_cause_consecutive_periods"])
    top = int(values["kpi_root_cause_top_entities"])
    runs = _sustained_misses(expected, periods, targets, direction, min_run)
    assert runs, f"guard: the small build has sustained misses of {kpi_name}"

    built = small_build.query(
        f"select segment_code, miss_start_date, entity_id, contribution_rank, contribution_value, contribution_share"
        f" from marts.fct_kpi_root_causes where grain = 'product' and kpi_name = '{kpi_name}'"
        f" order by segment_code, miss_start_date, contribution_rank")
    built["miss_start_date"] = pd.to_datetime(built["miss_start_date"])
    assert sorted(set(zip(built["segment_code"], built["miss_start_date"]))) == sorted(
        (segment, first) for segment, first, _ in runs)
    for segment, first, last in runs:
        inside = contributions[(contributions["segment_code"] == segment)
                               & (contributions["period_start_date"] >= first)
                               & (contributions["period_start_date"] <= last)]
        per_entity = inside.groupby("product_id")[measure].sum()
        per_entity = per_entity[per_entity > 0]
        ranked = per_entity.rename("value").reset_index().assign(rounded=lambda f: f["value"].round(9))
        ranked = ranked.sort_values(["rounded", "product_id"], ascending=[False, True]).head(top)
        mine = built[(built["segment_code"] == segment) & (built["miss_start_date"] == first)]
        assert list(mine["entity_id"]) == list(ranked["product_id"]), (segment, first)
        assert mine["contribution_value"].to_numpy() == pytest.approx(ranked["value"].to_numpy())
        assert mine["contribution_share"].to_numpy() == pytest.approx((ranked["value"] / per_entity.sum()).to_numpy())
