"""A thin extract builds and says plainly what it could not compute.

The generator's ``thin`` profile writes one business unit, one year, no cost columns, no deliveries,
forecasts, CRM, ship-to or FX files, and numeric-looking IDs with leading zeros. ``dbt build`` must pass;
product ABC falls back to revenue and says why; fct_data_capabilities marks what is missing with a
reason; the IDs reach the marts exactly as delivered.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import SMALL_SEED, Build
from supplyseg.dbt_runner import run_dbt

UNAVAILABLE_IN_THIN = {
    # capability -> words its reason must contain (the input that is missing)
    "gross_margin": ("unit_cost", "standard_cost", "revenue"),
    "service_level": ("deliveries",),
    "forecast_accuracy": ("forecasts",),
    "cost_to_serve": ("deliveries",),
    "global_accounts": ("crm_accounts",),
    "ship_to_hierarchy": ("ship_tos",),
    "multi_currency": ("fx_rates",),
    "inventory": ("inventory_snapshots",),
}


@pytest.fixture(scope="module")
def thin_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from supplyseg.demo_data import generate

    work = tmp_path_factory.mktemp("thin_extract")
    data_dir = work / "data"
    generate(scale="small", seed=SMALL_SEED, out_dir=data_dir, fmt="csv", profile="thin")
    result = run_dbt(
        ["build"], db_path=work / "thin.duckdb", raw_path=data_dir, target="ci",
        target_path=work / "target", check=False,
    )
    assert result.ok, f"dbt build on the thin extract failed:\n{result.output[-6000:]}"
    return Build(db_path=work / "thin.duckdb", data_dir=data_dir, output=result.output)


def _columns(data_dir: Path, entity: str) -> list[str]:
    return list(pd.read_csv(data_dir / f"{entity}.csv", nrows=0).columns)


def _ids(data_dir: Path, entity: str, column: str) -> set[str]:
    return set(pd.read_csv(data_dir / f"{entity}.csv", dtype=str, keep_default_na=False)[column])


def test_thin_extract_has_no_cost_and_no_optional_files(thin_build: Build) -> None:
    # Guard: the scenario really is thin, so the assertions below mean something.
    assert "unit_cost" not in _columns(thin_build.data_dir, "order_lines")
    assert "standard_cost" not in _columns(thin_build.data_dir, "products")
    for entity in ("deliveries", "forecasts", "crm_accounts", "ship_tos", "fx_rates", "inventory_snapshots"):
        assert not (thin_build.data_dir / f"{entity}.csv").exists(), entity


def test_product_abc_falls_back_to_revenue_with_the_reason(thin_build: Build) -> None:
    products = thin_build.query(
        "select product_id, abc_measure, abc_measure_fallback_reason, abc_measure_value, revenue_rep_ccy"
        " from marts.dim_product_segments"
    )
    assert len(products) > 0
    assert (products["abc_measure"] == "revenue").all()
    assert products["abc_measure_fallback_reason"].notna().all()
    assert products["abc_measure_fallback_reason"].str.contains("cost").all()
    assert products["abc_measure_value"].to_numpy() == pytest.approx(products["revenue_rep_ccy"].to_numpy())


def test_capabilities_say_what_is_missing_and_why(thin_build: Build) -> None:
    capabilities = thin_build.query("select * from marts.fct_data_capabilities").set_index("capability")
    for capability, words in UNAVAILABLE_IN_THIN.items():
        row = capabilities.loc[capability]
        assert not row["is_available"], capability
        for word in words:
            assert word in row["unavailable_reason"], (capability, row["unavailable_reason"])
    # What the thin extract does carry stays available.
    assert capabilities.loc["requested_dates", "is_available"]
    assert pd.isna(capabilities.loc["requested_dates", "unavailable_reason"])
    assert capabilities.loc["gross_margin", "coverage_share"] == 0.0


def test_numeric_looking_ids_keep_their_leading_zeros(thin_build: Build) -> None:
    product_ids = _ids(thin_build.data_dir, "products", "product_id")
    customer_ids = _ids(thin_build.data_dir, "customers", "customer_id")
    assert any(pid.startswith("0") for pid in product_ids), "the thin extract should have zero-padded IDs"

    products = set(thin_build.query("select product_id from marts.dim_product_segments")["product_id"])
    assert products <= product_ids
    assert any(pid.startswith("0") for pid in products)

    # Without CRM accounts a customer is segmented as 'BU:customer_id'.
    segments = thin_build.query("select customer_segment_id from marts.dim_customer_segments")["customer_segment_id"]
    segment_customers = {segment.split(":", 1)[1] for segment in segments}
    assert segment_customers <= customer_ids
    assert any(cid.startswith("0") for cid in segment_customers)


def test_thin_extract_passes_the_completeness_gates(thin_build: Build) -> None:
    gates = thin_build.query("select is_passed, result_message from intermediate.int_completeness_gate_results")
    assert gates["is_passed"].all(), gates.to_string()
