"""Weighted score, service tiers and the ABC-XYZ matrix on the small dataset.

Each check recomputes a result of the dbt models independently in pandas - from
the seeds as they lie in seeds/segmentation, from the raw-derived order lines and
periods of tests_py/reference (geography, service sensitivity), or, for the steps
from raw values to scores and tiers, from the scoring model's own raw values -
and compares it with what the build produced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from reference import order_lines as reference_lines
from reference import periods as reference_periods
from reference.settings import project_vars

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEED_DIR = PROJECT_DIR / "seeds" / "segmentation"
DIMENSIONS: tuple[str, ...] = ("value", "service_sensitivity", "forecastability", "geography")
SCORED = "intermediate.int_segment_entities_scored"
ASSIGNMENTS = "intermediate.int_segment_assignments_algorithmic"
TOLERANCE = 1e-9

pytestmark = pytest.mark.e2e


def read_seed(name: str) -> pd.DataFrame:
    """A seed CSV as written (no 'NA' turned into a missing value)."""
    return pd.read_csv(SEED_DIR / f"{name}.csv", keep_default_na=False, na_values=[""])


def project_var(name: str, default: object) -> object:
    """A var's default from dbt_project.yml, or the given default when it is not declared."""
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    return project_vars.get(name, default)


def mid_rank_percentile(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """0..1 percent rank with ties at their average rank; a single value (or all equal) gives 0.5.

    Values are ranked rounded to var comparison_decimal_places, so values equal but for floating-point
    noise tie (doc block stable_numbers).
    """
    decimals = int(project_var("comparison_decimal_places", 9))
    ranks = values.round(decimals).rank(method="average", ascending=higher_is_better)
    count = values.notna().sum()
    if count == 1:
        return ranks.where(ranks.isna(), 0.5)
    return (ranks - 1) / (count - 1)


def recompute_weights(scored: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Weights applied per entity: the seed's weights of the dimensions that have a score, re-normalized to 1."""
    seed = read_seed("segmentation_weights")
    configured = seed[seed["grain"] == grain].set_index("dimension")["weight"]
    available = pd.DataFrame({
        dimension: np.where(scored[f"{dimension}_score"].notna(), configured.get(dimension, 0.0), 0.0)
        for dimension in DIMENSIONS
    }, index=scored.index)
    total = available.sum(axis=1)
    return available.div(total.where(total > 0), axis=0)


def recompute_tier(score: float, tiers: pd.DataFrame) -> int:
    """Best (lowest-numbered) tier whose min_score the score reaches."""
    reached = tiers[tiers["min_score"] <= score + TOLERANCE]
    return int(reached["service_tier"].min())


def window_lines(small_build) -> pd.DataFrame:
    """Usable order lines of the analysis window, derived from the raw files, seeds and vars."""
    values = project_vars()
    lines = reference_lines.consolidated_order_lines(small_build.data_dir, values)
    return reference_periods.lines_in_window(lines, reference_periods.analysis_periods(values, small_build.data_dir))


def scored_rows(small_build, grain: str) -> pd.DataFrame:
    return small_build.query(f"select * from {SCORED} where grain = '{grain}' order by entity_id")


@pytest.mark.parametrize("grain", ["product", "customer"])
def test_dimensions_are_mid_rank_percentiles_of_the_raw_values(small_build, grain: str) -> None:
    scored = scored_rows(small_build, grain)
    for dimension in DIMENSIONS:
        expected = mid_rank_percentile(scored[f"{dimension}_raw"], higher_is_better=dimension != "forecastability")
        actual = scored[f"{dimension}_score"]
        assert (expected.isna() == actual.isna()).all(), f"{grain} {dimension}: scored where no raw value"
        np.testing.assert_allclose(actual.dropna(), expected.dropna(), atol=TOLERANCE, err_msg=f"{grain} {dimension}")


@pytest.mark.parametrize("grain", ["product", "customer"])
def test_weighted_score_matches_a_pandas_recomputation(small_build, grain: str) -> None:
    scored = scored_rows(small_build, grain)
    weights = recompute_weights(scored, grain)
    scores = scored[[f"{dimension}_score" for dimension in DIMENSIONS]].set_axis(DIMENSIONS, axis=1)
    expected_score = (weights * scores).sum(axis=1, min_count=1).where(weights.notna().any(axis=1))

    np.testing.assert_allclose(scored["weighted_score"], expected_score, atol=TOLERANCE)
    for dimension in DIMENSIONS:
        expected_weight = weights[dimension].where(weights[dimension] > 0)
        np.testing.assert_allclose(scored[f"{dimension}_weight"], expected_weight, atol=TOLERANCE,
                                   err_msg=f"{grain} {dimension}_weight")
    expected_used = weights.apply(lambda row: ",".join(d for d in DIMENSIONS if row[d] > 0) or None, axis=1)
    assert scored["dimensions_used"].tolist() == expected_used.tolist()


@pytest.mark.parametrize("grain", ["product", "customer"])
def test_service_tier_follows_the_seed_thresholds(small_build, grain: str) -> None:
    assignments = small_build.query(f"select * from {ASSIGNMENTS} where grain = '{grain}'")
    tiers = read_seed("service_tiers")
    tiers = tiers[tiers["grain"] == grain]
    segments = read_seed("abc_xyz_segments").set_index("segment_code")["default_service_tier"]

    # The cluster rules (seed cluster_segment_rules) then move the tier, kept within the grain's tiers.
    adjustment = assignments["cluster_service_tier_adjustment"].fillna(0).astype(int)
    lowest, highest = int(tiers["service_tier"].min()), int(tiers["service_tier"].max())

    def adjusted(unadjusted: pd.Series) -> pd.Series:
        unadjusted = unadjusted.astype(int)
        floor, ceiling = unadjusted.clip(upper=lowest), unadjusted.clip(lower=highest)
        return (unadjusted + adjustment[unadjusted.index]).clip(lower=floor, upper=ceiling)

    with_score = assignments[assignments["weighted_score"].notna()]
    expected = with_score["weighted_score"].map(lambda score: recompute_tier(score, tiers))
    assert (with_score["service_tier"] == adjusted(expected)).all()
    without_score = assignments[assignments["weighted_score"].isna()]
    assert (without_score["service_tier"] == adjusted(without_score["segment_code"].map(segments))).all()


def test_weights_in_use_sum_to_one(small_build) -> None:
    scored = small_build.query(f"select * from {SCORED} where weighted_score is not null")
    weight_sum = scored[[f"{dimension}_weight" for dimension in DIMENSIONS]].sum(axis=1)
    assert len(scored) > 0
    np.testing.assert_allclose(weight_sum, 1.0, atol=TOLERANCE)
    # The small dataset has requested dates and enough history: products are scored on three dimensions,
    # customers also on geography.
    used = scored.groupby("grain")["dimensions_used"].agg(lambda values: set(values))
    assert "value,service_sensitivity,forecastability" in used["product"]
    assert "value,service_sensitivity,forecastability,geography" in used["customer"]


def test_every_a_x_product_is_segment_ax(small_build) -> None:
    products = small_build.query(f"select * from {ASSIGNMENTS} where grain = 'product'")
    a_x = products[(products["abc_class"] == "A") & (products["xyz_class"] == "X") & ~products["is_provisional"]]
    assert len(a_x) > 0, "the small dataset should have stable, valuable products"
    assert (a_x["segment_code"] == "AX").all()
    assert (a_x["segment_name"] == "Make to stock - high availability").all()
    # The code is always ABC class then XYZ class, or N for provisional entities.
    expected = products["abc_class"] + np.where(products["is_provisional"], "N", products["xyz_class"])
    assert (products["segment_code"] == expected).all()


@pytest.mark.parametrize("grain", ["product", "customer"])
def test_tiers_are_monotone_in_score(small_build, grain: str) -> None:
    scored = small_build.query(
        f"select * from {ASSIGNMENTS} where grain = '{grain}' and weighted_score is not null"
        " and coalesce(cluster_service_tier_adjustment, 0) = 0"  # a cluster rule moves the tier on purpose
    )
    by_tier = scored.groupby("service_tier")["weighted_score"].agg(["min", "max"]).sort_index()
    assert len(by_tier) > 1, "scores should spread over several tiers"
    # Every entity of a better tier scores at least as high as every entity of a worse one.
    assert (by_tier["min"].to_numpy()[:-1] >= by_tier["max"].to_numpy()[1:]).all()


def test_customer_geography_is_the_revenue_weighted_country_risk(small_build) -> None:
    lines = window_lines(small_build)
    lines = lines[lines["counts_in_value"] & (lines["revenue_rep_ccy"] > 0)].copy()
    countries = reference_lines.customer_segments(small_build.data_dir, project_vars())["country_code"]
    lines["country_code"] = lines["customer_key"].map(countries)
    factors = read_seed("country_risk_factors").set_index("country_code")
    default = factors.loc["*"]
    known = lines["country_code"].isin(factors.index.drop("*"))
    lines["import_complexity"] = lines["country_code"].map(factors["import_complexity"]).where(
        known, default["import_complexity"])
    lines["regional_risk"] = lines["country_code"].map(factors["regional_risk"]).where(known, default["regional_risk"])
    import_weight = float(project_var("geography_import_complexity_weight", 0.5))
    lines["risk"] = import_weight * lines["import_complexity"] + (1 - import_weight) * lines["regional_risk"]
    lines["weighted_risk"] = lines["risk"] * lines["revenue_rep_ccy"]
    per_customer = lines.groupby("segment_customer_id")[["weighted_risk", "revenue_rep_ccy"]].sum()
    expected = (per_customer["weighted_risk"] / per_customer["revenue_rep_ccy"]).rename("expected")

    scored = scored_rows(small_build, "customer").set_index("entity_id")
    compared = scored.join(expected, how="inner")
    assert len(compared) == scored["geography_raw"].notna().sum()
    np.testing.assert_allclose(compared["geography_raw"], compared["expected"], atol=1e-9)
    # The demo customers sit in more than one risk band, so geography separates them.
    assert compared["geography_raw"].nunique() > 1


def test_product_service_sensitivity_is_the_short_lead_time_share(small_build) -> None:
    lines = window_lines(small_build)
    lines = lines[lines["counts_in_value"] & lines["requested_date"].notna()].copy()
    short_days = int(project_var("short_lead_time_days", 7))
    lead_days = (pd.to_datetime(lines["requested_date"]) - pd.to_datetime(lines["order_date"])).dt.days
    lines["is_short"] = lead_days <= short_days
    expected = lines.groupby("product_id")["is_short"].mean().rename("expected")

    scored = scored_rows(small_build, "product").set_index("entity_id")
    compared = scored.join(expected, how="inner")
    assert len(compared) == scored["service_sensitivity_raw"].notna().sum()
    np.testing.assert_allclose(compared["service_sensitivity_raw"], compared["expected"], atol=1e-12)
    assert 0 < compared["expected"].mean() < 1, "some but not all requests are at short notice"
