"""A thin extract builds and says plainly what it could not compute.

The generator's ``thin`` profile writes one business unit, one year, no cost columns, no deliveries,
forecasts, CRM, ship-to or FX files, and numeric-looking IDs with leading zeros. ``dbt build`` must pass;
product ABC falls back to revenue and says why; fct_data_capabilities marks what is missing with a
reason; the IDs reach the marts exactly as delivered.
"""

from __future__ import annotations

import json
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
    "lead_time_variability": ("deliveries", "lead_time_days"),
    "stockout_aware_demand": ("inventory_snapshots",),
    "working_capital": ("inventory_snapshots",),
    "inventory_valuation_at_cost": ("unit_cost", "standard_cost", "revenue"),
    "open_order_delivery_status": ("deliveries",),
    "policy_experiments": ("deliveries",),
}

# Capabilities no model of the project computes yet: with their input loaded they must say
# "input present, measure not built", never "available". Service level, cost to serve, forecast accuracy and
# inventory are computed by the performance models (models/intermediate/performance/) since issue 17.
NOT_BUILT: tuple[str, ...] = ()
# capability -> the staging model of the input it is measured from (docs/quality_gates.md).
CAPABILITY_INPUTS = {
    "gross_margin": "stg_erp__products",
    "multi_currency": "stg_erp__fx_rates",
    "global_accounts": "stg_crm__accounts",
    "ship_to_hierarchy": "stg_wms__ship_tos",
    "requested_dates": "stg_erp__order_lines",
    "service_level": "stg_wms__deliveries",
    "cost_to_serve": "stg_wms__deliveries",
    "forecast_accuracy": "stg_planning__forecasts",
    "inventory": "stg_wms__inventory_snapshots",
    "lead_time_variability": "stg_wms__deliveries",
    "stockout_aware_demand": "stg_wms__inventory_snapshots",
    "working_capital": "stg_wms__inventory_snapshots",
    "inventory_valuation_at_cost": "stg_erp__products",
    "open_order_delivery_status": "stg_wms__deliveries",
    "policy_experiments": "stg_wms__deliveries",
}
QUALITY_PATHS = ("models/intermediate/quality/", "models/marts/quality/")


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
        assert row["capability_status"] == "input_missing", capability
        for word in words:
            assert word in row["unavailable_reason"], (capability, row["unavailable_reason"])
    # What the thin extract does carry stays available.
    assert capabilities.loc["requested_dates", "is_available"]
    assert capabilities.loc["requested_dates", "capability_status"] == "computed"
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


# --- Capabilities are available only where a model computes them ------------------------------


def _manifest(build: Build) -> dict:
    return json.loads((build.db_path.parent / "target" / "manifest.json").read_text())


def _ancestors(nodes: dict, uid: str, through_quality: bool = True) -> set[str]:
    """Every model and seed ``uid`` reads, directly or through others. Without ``through_quality`` the walk
    does not pass through the quality area (row counts and completeness gates read every entity's rows to
    count them, and every publishing model waits for the gates; that is not reading a measure's input)."""
    seen: set[str] = set()
    stack = list((nodes[uid].get("depends_on") or {}).get("nodes") or [])
    while stack:
        current = stack.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        if not through_quality and _is_quality(nodes[current]):
            continue
        stack.extend((nodes[current].get("depends_on") or {}).get("nodes") or [])
    return seen


def _is_quality(node: dict) -> bool:
    return node.get("original_file_path", "").replace("\\", "/").startswith(QUALITY_PATHS)


def test_capabilities_with_inputs_are_computed_or_say_not_built(small_build: Build) -> None:
    for entity in ("deliveries", "forecasts", "inventory_snapshots"):
        assert (small_build.data_dir / f"{entity}.csv").exists(), entity  # guard: the inputs are loaded
    capabilities = small_build.query(
        "select * from marts.fct_data_capabilities where capability not like 'clustering%'"  # tested below
    ).set_index("capability")
    assert set(capabilities.index) == set(CAPABILITY_INPUTS)
    for capability in NOT_BUILT:
        row = capabilities.loc[capability]
        assert row["capability_status"] == "input_present_measure_not_built", capability
        assert not row["is_available"], capability
        assert pd.isna(row["computed_by"]), capability
        assert row["unavailable_reason"].startswith("input present, measure not built"), row["unavailable_reason"]
    for capability in set(CAPABILITY_INPUTS) - set(NOT_BUILT):
        row = capabilities.loc[capability]
        assert row["capability_status"] == "computed", (capability, row["unavailable_reason"])
        assert row["is_available"], capability
        assert pd.isna(row["unavailable_reason"]), capability


def test_computed_capabilities_are_declared_by_models_that_read_their_input(small_build: Build) -> None:
    """computed_by is what models declare (meta computes_capabilities); a declaring model must read the
    capability's input, and no model outside the quality area may read the input of a measure that is
    not built (build the measure, declare it, and move it out of NOT_BUILT)."""
    manifest = _manifest(small_build)
    nodes = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "seed")}
    by_name = {node["name"]: uid for uid, node in nodes.items() if node["resource_type"] == "model"}
    declared: dict[str, set[str]] = {}
    for uid, node in nodes.items():
        for capability in (node["config"].get("meta") or {}).get("computes_capabilities", []):
            assert capability in CAPABILITY_INPUTS, (node["name"], capability)
            assert by_name[CAPABILITY_INPUTS[capability]] in _ancestors(nodes, uid), (
                f"{node['name']} declares {capability} but does not read {CAPABILITY_INPUTS[capability]}"
            )
            declared.setdefault(capability, set()).add(node["name"])
    assert set(declared) == set(CAPABILITY_INPUTS) - set(NOT_BUILT)

    capabilities = small_build.query(
        "select capability, computed_by from marts.fct_data_capabilities where capability not like 'clustering%'"
    )
    for row in capabilities.itertuples():
        published = set() if pd.isna(row.computed_by) else set(row.computed_by.split(", "))
        assert published == declared.get(row.capability, set()), row.capability

    # A model may read an input shared with a measure that is not built when it reads it through a model
    # that feeds (or is) a model declaring a capability measured from that input (deliveries feed
    # lead_time_variability as well as service_level), or when it feeds such a model itself.
    declaring = {
        by_name[name]: {CAPABILITY_INPUTS[c] for c, names in declared.items() if name in names}
        for name in set().union(*declared.values())
    }

    def _excused(uid: str, source_name: str) -> bool:
        source_uid = by_name[source_name]
        for other, inputs in declaring.items():
            if source_name not in inputs:
                continue
            feeding = _ancestors(nodes, other) | {other}
            if uid in feeding:
                return True
            if any(step in feeding and source_uid in _ancestors(nodes, step) | {step}
                   for step in _ancestors(nodes, uid) | {uid}):
                return True
        return False

    for capability in NOT_BUILT:
        source_uid = by_name[CAPABILITY_INPUTS[capability]]
        readers = sorted(
            node["name"]
            for uid, node in nodes.items()
            if node["resource_type"] == "model"
            and source_uid in _ancestors(nodes, uid, through_quality=False)
            and not _is_quality(node)
            and not _excused(uid, CAPABILITY_INPUTS[capability])
        )
        assert readers == [], f"{readers} read the input of {capability}: declare what they compute"


def test_thin_extract_clusters_on_the_features_it_has(thin_build: Build) -> None:
    """No deliveries and no costs: clustering still builds on the remaining features, and
    fct_data_capabilities names every dropped feature with the missing input."""
    weights = thin_build.query(
        "select * from intermediate.int_cluster_feature_weights where grain = 'customer'").set_index("feature_name")
    for feature, word in (("late_or_short_delivery_share", "deliveries"), ("margin_pct", "unit_cost")):
        assert not weights.loc[feature, "is_used"], feature
        assert word in weights.loc[feature, "drop_reason"], weights.loc[feature, "drop_reason"]
    assert weights.loc["order_frequency", "is_used"]
    assert abs(weights.loc[weights["is_used"], "weight"].sum() - 1.0) < 1e-9
    assigned = thin_build.query(
        "select cluster_kind, count(*) as n from intermediate.int_cluster_assignments_fitted"
        " where grain = 'customer' group by cluster_kind").set_index("cluster_kind")["n"]
    assert assigned.get("clustered", 0) > 0
    row = thin_build.query(
        "select * from marts.fct_data_capabilities where capability = 'clustering_customer'").iloc[0]
    assert row["capability_status"] == "computed_low_coverage"
    assert not row["is_available"]
    for feature in ("late_or_short_delivery_share", "margin_pct"):
        assert feature in row["unavailable_reason"], row["unavailable_reason"]
    assert "deliveries" in row["unavailable_reason"]


def test_policy_parameters_build_from_lead_time_days_and_revenue(thin_build: Build) -> None:
    """No deliveries, no costs, no inventory: every item still gets parameters, each fallback named."""
    items = thin_build.query("select * from marts.fct_item_policy_parameters")
    assert len(items) > 20
    assert (items["lead_time_source"] == "product_lead_time_days").all()
    assert (items["lead_time_days_std"] == 0).all()
    products = pd.read_csv(thin_build.data_dir / "products.csv", dtype={"product_id": str}).set_index("product_id")
    assert (items["lead_time_days_mean"].to_numpy()
            == items["product_id"].map(products["lead_time_days"]).astype(float).to_numpy()).all()
    assert items["unit_cost_rep_ccy"].isna().all()
    assert (items["unit_value_source"] == "unit_price_from_revenue").all()
    assert (items["unit_value_rep_ccy"] > 0).all() and items["eoq_quantity"].notna().all()
    assert (items["demand_estimate_method"] == "all_periods_no_inventory").all()
    assert (items["stockout_period_count"] == 0).all()
    assert items["safety_stock_quantity"].notna().all() and items["lot_size_quantity"].notna().all()
    capital = thin_build.query("select * from marts.fct_policy_working_capital")
    assert len(capital) > 0 and not capital["has_inventory_snapshot"].any()
    assert capital["on_hand_value_rep_ccy"].isna().all() and capital["policy_stock_value_rep_ccy"].notna().all()


def test_policy_experiments_are_inconclusive_without_deliveries(thin_build: Build) -> None:
    results = thin_build.query(
        "select experiment_id, treatment_entity_count, control_entity_count, did_estimate, decision, decision_reason"
        " from marts.fct_policy_experiment_results")
    assert len(results) == 2  # one row per seeded experiment, even with nothing to compare
    assert (results["decision"] == "inconclusive").all()
    assert (results["treatment_entity_count"] == 0).all() and results["did_estimate"].isna().all()
    assert results["decision_reason"].str.contains("no deliveries").all()
