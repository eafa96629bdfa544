"""Item policy parameters in the built mart against independent computations (docs/policies.md).

On the shared small build: every row's safety stock, reorder point and order-up-to level against scipy from
the row's own inputs; demand statistics, stock-out flags and lead times against oracles that read the raw
files; the stock-out-aware mean against the generator's true demand; intermittent and lumpy items on their
methods; EOQ and lot sizes; working capital against the raw latest snapshot. One extra run (on a copy of
the small build) switches intermittent items to the empirical quantile.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import Build
from reference import inventory_policy as oracle
from reference.order_lines import consolidated_order_lines
from reference.periods import analysis_periods, lines_in_window
from reference.raw_inputs import read_entity
from reference.settings import project_vars, seed
from supplyseg.dbt_runner import run_dbt

COUNT_METHODS = ("poisson", "negative_binomial")
KEY = ["product_id", "plant_id"]


@pytest.fixture(scope="module")
def items(small_build: Build) -> pd.DataFrame:
    return small_build.query("select * from marts.fct_item_policy_parameters")


@pytest.fixture(scope="module")
def raw_history(small_build: Build) -> pd.DataFrame:
    return oracle.item_demand_history(small_build.data_dir, project_vars())


def test_every_row_has_run_id_policy_and_version(items: pd.DataFrame) -> None:
    assert len(items) > 100
    assert items["run_id"].notna().all() and items["run_id"].nunique() == 1
    matrix = seed("policy_matrix")
    assert set(items["policy_id"]) <= set(matrix["policy_id"])
    versions = matrix.set_index("policy_id")["policy_version"]
    assert (items["policy_version"] == items["policy_id"].map(versions)).all()


def _lead_and_review(row: pd.Series) -> tuple[float, float, float]:
    period = row["demand_period_days"]
    return row["lead_time_days_mean"] / period, row["lead_time_days_std"] / period, row["review_period_days"] / period


def test_normal_rows_match_scipy(items: pd.DataFrame) -> None:
    normal = items[items["safety_stock_method"].isin(["normal", "provisional_new"])]
    assert len(normal) > 50
    assert (normal["lead_time_days_std"] > 0).sum() > 20, "cases with lead-time variability"
    for row in normal.itertuples():
        expected = oracle.normal_levels(
            row.demand_per_period_mean, row.demand_per_period_std, row.lead_time_days_mean,
            row.lead_time_days_std, row.review_period_days, row.demand_period_days, row.target_cycle_service_level,
        )
        assert row.safety_stock_quantity == pytest.approx(expected.safety_stock, rel=1e-8, abs=1e-9), row
        assert row.reorder_point_quantity == pytest.approx(expected.reorder_point, rel=1e-8, abs=1e-9), row
        assert row.order_up_to_quantity == pytest.approx(expected.order_up_to, rel=1e-8, abs=1e-9), row


def _check_quantile_rows(rows: pd.DataFrame, history: pd.DataFrame | None = None) -> int:
    checked = 0
    for _, row in rows.iterrows():
        lead, lead_std, review = _lead_and_review(row)
        d, sd, level = row["demand_per_period_mean"], row["demand_per_period_std"], row["target_cycle_service_level"]
        mean_l, var_l = d * lead, lead * sd**2 + d**2 * lead_std**2
        mean_lr, var_lr = d * (lead + review), (lead + review) * sd**2 + d**2 * lead_std**2
        method = row["safety_stock_method"]
        if method == "empirical_quantile":
            series = history.loc[(row["product_id"], row["plant_id"])]["demand_quantity_for_estimate"].tolist()
            rop = oracle.empirical_quantile(series, lead, level)
            out = oracle.empirical_quantile(series, lead + review, level)
        else:
            rop = oracle.count_quantile(method, mean_l, var_l, level)
            out = oracle.count_quantile(method, mean_lr, var_lr, level)
        assert row["reorder_point_quantity"] == pytest.approx(max(rop, mean_l), rel=1e-9), row.to_dict()
        assert row["safety_stock_quantity"] == pytest.approx(max(rop, mean_l) - mean_l, abs=1e-9), row.to_dict()
        assert row["order_up_to_quantity"] == pytest.approx(max(out, mean_lr), rel=1e-9), row.to_dict()
        checked += 1
    return checked


def test_count_method_rows_match_scipy_quantiles(items: pd.DataFrame) -> None:
    assert _check_quantile_rows(items[items["safety_stock_method"].isin(COUNT_METHODS)]) > 10


def test_intermittent_and_lumpy_items_use_their_method(items: pd.DataFrame) -> None:
    """Never the normal formula; Poisson / negative binomial by the dispersion of lead-time demand."""
    sporadic = items[items["demand_pattern"].isin(["intermittent", "lumpy"])]
    stocked = sporadic[sporadic["safety_stock_method"] != "no_stock"]
    assert len(stocked) >= 5
    assert stocked["safety_stock_method"].isin([*COUNT_METHODS, "empirical_quantile"]).all()
    tolerance = float(project_vars()["poisson_dispersion_tolerance"])
    dispersion = stocked["lead_time_demand_variance"] / stocked["lead_time_demand_mean"]
    over = stocked[dispersion > 1 + tolerance]
    assert (over["safety_stock_method"] == "negative_binomial").all()
    near = stocked[(dispersion >= 1 - tolerance) & (dispersion <= 1 + tolerance)]
    assert (near["safety_stock_method"] == "poisson").all()
    smooth = items[items["demand_pattern"].isin(["smooth", "erratic"]) & (items["safety_stock_method"] != "no_stock")]
    assert (smooth["safety_stock_method"] == "normal").all()


def test_items_the_policy_does_not_stock_hold_nothing(items: pd.DataFrame) -> None:
    not_stocked = items[items["stocking_strategy"] != "make_to_stock"]
    assert len(not_stocked) > 0
    assert (not_stocked["safety_stock_method"] == "no_stock").all()
    assert (not_stocked[["safety_stock_quantity", "reorder_point_quantity", "order_up_to_quantity"]] == 0).all().all()


def test_eoq_moq_and_lot_size(items: pd.DataFrame) -> None:
    values = project_vars()
    matrix = seed("policy_matrix").set_index("policy_id")
    for row in items.itertuples():
        annual = row.demand_per_period_mean * 365.25 / row.demand_period_days
        assert row.annual_demand_quantity == pytest.approx(annual, rel=1e-12)
        holding = float(values["policy_annual_holding_cost_rate"]) * row.unit_value_rep_ccy
        assert row.eoq_quantity == pytest.approx(oracle.eoq(float(values["policy_order_cost_rep_ccy"]), annual, holding),
                                                 rel=1e-9, abs=1e-12)
        rule = matrix.loc[row.policy_id, "moq_rule"]
        moq = {"none": 0.0, "pack": row.pack_size_quantity}.get(rule)
        if rule == "periods_of_demand":
            moq = float(matrix.loc[row.policy_id, "moq_periods_of_demand"]) * row.demand_per_period_mean
        assert row.moq_quantity == pytest.approx(moq, rel=1e-12)
        cap = float(values["policy_max_lot_coverage_periods"]) * row.demand_per_period_mean
        assert row.lot_size_quantity == pytest.approx(oracle.lot_size(row.eoq_quantity, moq, row.pack_size_quantity, cap))
        assert row.lot_size_quantity % row.pack_size_quantity == pytest.approx(0, abs=1e-6)


def test_lot_coverage_cap_binds_and_pack_forced_lots_are_flagged(items: pd.DataFrame) -> None:
    """The cap shortens the lots of slow, cheap items, and the items one pack of which is more than the sanity
    limit of periods of demand are those flagged is_lot_size_pack_forced."""
    values = project_vars()
    stocked = items[items["safety_stock_method"] != "no_stock"]
    cap = float(values["policy_max_lot_coverage_periods"]) * stocked["demand_per_period_mean"]
    capped = stocked[stocked["eoq_quantity"] > cap + stocked["pack_size_quantity"]]
    assert len(capped) > 20, "the coverage cap should bind for slow, cheap items"
    assert (capped["lot_size_quantity"] < capped["eoq_quantity"]).all()
    limit = float(values["policy_sanity_max_lot_size_periods"]) * items["demand_per_period_mean"]
    expected = (items["safety_stock_method"] != "no_stock") & (items["pack_size_quantity"] > limit)
    assert expected.sum() > 0
    assert (items["is_lot_size_pack_forced"] == expected).all()


def test_demand_statistics_match_the_raw_oracle(items: pd.DataFrame, raw_history: pd.DataFrame) -> None:
    expected = oracle.item_demand_statistics(raw_history, str(project_vars()["stockout_demand_rule"]))
    got = items.set_index(KEY).sort_index()
    expected = expected.reindex(got.index)
    assert expected["periods"].notna().all(), "items the oracle does not know"
    assert got["history_period_count"].to_numpy() == pytest.approx(expected["periods"].to_numpy())
    assert got["stockout_period_count"].to_numpy() == pytest.approx(expected["stockout_periods"].to_numpy())
    assert got["naive_demand_per_period_mean"].to_numpy() == pytest.approx(expected["naive_mean"].to_numpy(), rel=1e-9)
    assert got["naive_demand_per_period_std"].to_numpy() == pytest.approx(expected["naive_std"].to_numpy(), rel=1e-9,
                                                                         abs=1e-9)
    not_new = got["safety_stock_method"] != "provisional_new"
    assert got.loc[not_new, "demand_per_period_mean"].to_numpy() == pytest.approx(
        expected.loc[not_new, "mean"].to_numpy(), rel=1e-9)
    assert got.loc[not_new, "demand_per_period_std"].to_numpy() == pytest.approx(
        expected.loc[not_new, "std"].to_numpy(), rel=1e-9, abs=1e-9)


def _true_item_means(build: Build) -> pd.DataFrame:
    truth = pd.read_csv(build.data_dir / "_truth" / "stockout_true_demand.csv", dtype={"product_id": str})
    truth["month"] = pd.to_datetime(truth["month"])
    periods = analysis_periods(project_vars(), build.data_dir)
    last = periods["period_start_date"].max()
    with_demand = truth[truth["true_demand_quantity"] > 0]
    per_item = with_demand.groupby(KEY).agg(first=("month", "min"), total=("true_demand_quantity", "sum"))
    months = (last.year - per_item["first"].dt.year) * 12 + last.month - per_item["first"].dt.month + 1
    per_item["true_mean"] = per_item["total"] / months
    return per_item


def test_stockout_periods_are_the_planted_ones(small_build: Build, raw_history: pd.DataFrame) -> None:
    truth = pd.read_csv(small_build.data_dir / "_truth" / "stockout_true_demand.csv", dtype={"product_id": str})
    planted = truth[truth["is_stockout"]]
    periods = analysis_periods(project_vars(), small_build.data_dir)
    planted = planted.assign(period_start_date=pd.to_datetime(planted["month"])).merge(
        periods[["period_start_date", "window_period_number"]], on="period_start_date")
    planted_keys = set(map(tuple, planted[[*KEY, "window_period_number"]].to_numpy()))
    flagged = small_build.query(
        "select product_id, plant_id, window_period_number from intermediate.int_item_demand_periods"
        " where is_stockout_period")
    flagged_keys = set(map(tuple, flagged.to_numpy()))
    assert len(planted_keys) > 50
    # Planted stock-outs inside each item's history (a planted month before an item's first counted demand,
    # e.g. one whose lines were all defects, is not part of its history).
    history_keys = set(map(tuple, raw_history[[*KEY, "window_period_number"]].to_numpy()))
    assert flagged_keys == planted_keys & history_keys


def test_stockout_aware_mean_is_closer_to_true_demand(small_build: Build, items: pd.DataFrame) -> None:
    true_means = _true_item_means(small_build)
    hit = items[items["stockout_period_count"] > 0].set_index(KEY).join(true_means, how="inner")
    assert len(hit) > 50
    assert (hit["demand_estimate_method"] == "censored_periods_corrected").all()
    naive_error = (hit["naive_demand_per_period_mean"] - hit["true_mean"]).abs()
    aware_error = (hit["demand_per_period_mean"] - hit["true_mean"]).abs()
    assert aware_error.mean() < 0.9 * naive_error.mean(), (aware_error.mean(), naive_error.mean())
    assert (aware_error <= naive_error).mean() > 0.7


def test_lead_times_match_raw_deliveries(small_build: Build, items: pd.DataFrame) -> None:
    values = project_vars()
    periods = analysis_periods(values, small_build.data_dir)
    lines = lines_in_window(consolidated_order_lines(small_build.data_dir, values), periods)
    lines = lines[~lines["is_return"]]
    deliveries = read_entity(small_build.data_dir, "deliveries")
    deliveries = deliveries[deliveries["rejection_reason"].isna()].copy()
    deliveries["order_line_number"] = deliveries["order_line_number"].astype("int64")
    deliveries["delivered_date"] = pd.to_datetime(deliveries["delivered_date"])
    last = deliveries.groupby(["business_unit_id", "order_id", "order_line_number"])["delivered_date"].max()
    lines = lines.join(last, on=["business_unit_id", "order_id", "order_line_number"], how="inner")
    lines["days"] = (lines["delivered_date"] - pd.to_datetime(lines["order_date"])).dt.days
    lines = lines[lines["days"] >= 0]
    stats = lines.groupby(KEY)["days"].agg(["count", "mean", lambda s: s.std(ddof=1) if len(s) > 1 else 0.0])
    stats.columns = ["count", "mean", "std"]
    got = items.set_index(KEY)
    enough = stats[stats["count"] >= int(values["min_lead_time_observations"])]
    from_deliveries = got[got["lead_time_source"] == "deliveries"]
    assert set(from_deliveries.index) == set(enough.index) & set(got.index)
    assert from_deliveries["lead_time_days_mean"].to_numpy() == pytest.approx(
        enough.loc[from_deliveries.index, "mean"].to_numpy(), rel=1e-9)
    assert from_deliveries["lead_time_days_std"].to_numpy() == pytest.approx(
        enough.loc[from_deliveries.index, "std"].to_numpy(), rel=1e-9, abs=1e-9)
    products = read_entity(small_build.data_dir, "products").drop_duplicates("product_id").set_index("product_id")
    fallback = got[got["lead_time_source"] == "product_lead_time_days"]
    assert len(fallback) > 0 and (fallback["lead_time_days_std"] == 0).all()
    assert (fallback["lead_time_days_mean"].to_numpy()
            == fallback.index.get_level_values("product_id").map(products["lead_time_days"]).astype(float)).all()


def test_working_capital_against_the_latest_raw_snapshot(small_build: Build, items: pd.DataFrame) -> None:
    snapshots = read_entity(small_build.data_dir, "inventory_snapshots")
    snapshots = snapshots[snapshots["rejection_reason"].isna()].copy()
    snapshots["snapshot_date"] = pd.to_datetime(snapshots["snapshot_date"])
    latest = snapshots[snapshots["snapshot_date"] == snapshots["snapshot_date"].max()]
    on_hand = latest.assign(q=pd.to_numeric(latest["on_hand_quantity"])).groupby(KEY)["q"].sum()
    policy = items.set_index(KEY)
    stock = np.where(policy["safety_stock_method"] == "no_stock", 0.0,
                     policy["safety_stock_quantity"] + policy["lot_size_quantity"] / 2)
    policy = policy.assign(stock=stock, on_hand=on_hand.reindex(policy.index).fillna(0.0))
    policy["excess"] = (policy["on_hand"] - policy["stock"]).clip(lower=0) * policy["unit_value_rep_ccy"]
    policy["shortfall"] = (policy["stock"] - policy["on_hand"]).clip(lower=0) * policy["unit_value_rep_ccy"]
    policy["value"] = policy["stock"] * policy["unit_value_rep_ccy"]
    expected = policy.groupby(["plant_id", "final_segment_code"])[["value", "shortfall"]].sum()
    mart = small_build.query("select * from marts.fct_policy_working_capital").set_index(
        ["plant_id", "final_segment_code"])
    assert mart["has_inventory_snapshot"].all()
    assert (mart["snapshot_date"] == snapshots["snapshot_date"].max()).all()
    joined = mart.join(expected, how="inner")
    assert len(joined) == len(expected)
    assert joined["policy_stock_value_rep_ccy"].to_numpy() == pytest.approx(joined["value"].to_numpy(), rel=1e-8)
    assert joined["shortfall_value_rep_ccy"].to_numpy() == pytest.approx(joined["shortfall"].to_numpy(), rel=1e-8)
    # Excess also counts stock of products without sales in the window, so it is at least the items' excess.
    item_excess = policy.groupby(["plant_id", "final_segment_code"])["excess"].sum()
    assert (joined["excess_value_rep_ccy"] >= item_excess.reindex(joined.index).to_numpy() - 1e-6).all()
    assert (mart["net_excess_value_rep_ccy"]).to_numpy() == pytest.approx(
        (mart["on_hand_value_rep_ccy"] - mart["policy_stock_value_rep_ccy"]).to_numpy())


@pytest.fixture(scope="module")
def empirical_build(small_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The small build with var intermittent_safety_stock_method = empirical_quantile (policy models rerun
    on a copy of the database)."""
    work = tmp_path_factory.mktemp("policy_empirical")
    db_path = work / "empirical.duckdb"
    shutil.copy(small_build.db_path, db_path)
    result = run_dbt(
        ["run", "--select", "int_item_policy_inputs+"], db_path=db_path, raw_path=small_build.data_dir,
        dbt_vars={"intermittent_safety_stock_method": "empirical_quantile"}, target="ci",
        target_path=work / "target",
    )
    return Build(db_path=db_path, data_dir=small_build.data_dir, output=result.output)


def test_empirical_quantile_rows_match_the_history(empirical_build: Build) -> None:
    items = empirical_build.query("select * from marts.fct_item_policy_parameters")
    history = empirical_build.query(
        "select product_id, plant_id, window_period_number, demand_quantity_for_estimate"
        " from intermediate.int_item_demand_periods order by product_id, plant_id, window_period_number"
    ).set_index(KEY).sort_index()
    empirical = items[items["safety_stock_method"] == "empirical_quantile"]
    assert len(empirical) >= 5
    assert empirical["demand_pattern"].isin(["intermittent", "lumpy"]).all()
    assert _check_quantile_rows(empirical, history) == len(empirical)
