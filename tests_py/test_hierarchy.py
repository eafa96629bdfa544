"""Customer hierarchy reconciliation against the generator's ground truth.

The small dataset injects sales-region conflicts (ERP vs CRM) and ship-to parent
conflicts (ERP sales parent vs WMS logistics parent) and records them in
``_truth``. The expectations here are computed from the raw files, the truth
files and the precedence seed with pandas, never from the models' own output.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

PRECEDENCE_SEED = PROJECT_DIR / "seeds" / "integration" / "hierarchy_precedence.csv"
pytestmark = pytest.mark.e2e

REQUIRED_ORDER_LINE_COLUMNS = (
    "business_unit_id", "order_id", "order_line_number", "order_date", "customer_id", "product_id",
    "quantity", "unit_price",
)


def _read_csv(path: Path) -> pd.DataFrame:
    """A raw or truth CSV as text, blanks as missing (as the input contract reads it)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.str.strip()).replace("", pd.NA)


def _key(business_unit_id: pd.Series, entity_id: pd.Series) -> pd.Series:
    return business_unit_id + ":" + entity_id


def _winning_source(attribute: str) -> str:
    """The rank-1 source of an attribute in the precedence seed."""
    seed = pd.read_csv(PRECEDENCE_SEED, dtype={"precedence_rank": int})
    rows = seed[seed["attribute"] == attribute].sort_values("precedence_rank")
    return str(rows.iloc[0]["source_system"])


def _ship_tos_with_usable_lines(data_dir: Path) -> set[str]:
    """Ship-to keys on at least one order line the validation would accept (pandas, from the raw files)."""
    lines = _read_csv(data_dir / "order_lines.csv")
    customers = _read_csv(data_dir / "customers.csv")
    products = _read_csv(data_dir / "products.csv")
    units = _read_csv(data_dir / "business_units.csv")
    usable = lines[list(REQUIRED_ORDER_LINE_COLUMNS)].notna().all(axis=1)
    usable &= pd.to_datetime(lines["order_date"], format="%Y-%m-%d", errors="coerce").notna()
    usable &= pd.to_numeric(lines["quantity"], errors="coerce").notna()
    usable &= pd.to_numeric(lines["unit_price"], errors="coerce").notna()
    usable &= lines["business_unit_id"].isin(units["business_unit_id"])
    usable &= _key(lines["business_unit_id"], lines["customer_id"]).isin(
        _key(customers["business_unit_id"], customers["customer_id"]))
    usable &= lines["product_id"].isin(products["product_id"])
    usable &= lines["ship_to_id"].notna()
    kept = lines[usable]
    return set(_key(kept["business_unit_id"], kept["ship_to_id"]))


def _conflicts(build, conflict_type: str) -> pd.DataFrame:
    """Conflict rows of one type with the value of each source in its own column."""
    rows = build.query(
        f"select * from intermediate.int_customer_hierarchy_conflicts where conflict_type = '{conflict_type}'")
    values = pd.concat([
        rows[["entity_key", "source_a", "value_a"]].set_axis(["entity_key", "source", "value"], axis=1),
        rows[["entity_key", "source_b", "value_b"]].set_axis(["entity_key", "source", "value"], axis=1),
    ]).pivot(index="entity_key", columns="source", values="value")
    return rows.set_index("entity_key").join(values)


def test_sales_region_conflicts_are_exactly_the_injected_ones(small_build):
    truth = _read_csv(small_build.data_dir / "_truth" / "sales_region_conflicts.csv")
    expected = set(zip(_key(truth["business_unit_id"], truth["customer_id"]),
                       truth["erp_sales_region"], truth["crm_sales_region"]))
    conflicts = _conflicts(small_build, "sales_region")
    listed = set(zip(conflicts.index, conflicts["erp"], conflicts["crm"]))
    assert len(expected) > 0
    assert listed == expected


def test_sales_region_conflicts_are_won_by_the_seeds_first_source(small_build):
    winner = _winning_source("sales_region")
    conflicts = _conflicts(small_build, "sales_region")
    assert (conflicts["winning_source"] == winner).all()
    assert (conflicts["winning_value"] == conflicts[winner]).all()
    assert (conflicts["rule"] == f"hierarchy_precedence: sales_region {winner} rank 1").all()
    resolved = small_build.query(
        "select customer_key, sales_region from intermediate.int_customers_reconciled").set_index("customer_key")
    assert (resolved.loc[conflicts.index, "sales_region"] == conflicts[winner]).all()


def test_ship_to_parent_conflicts_are_exactly_the_injected_ones(small_build):
    """Every injected parent conflict where ERP has a view (the ship-to has a usable order line) is listed.

    A ship-to that never appears on a usable order line has no ERP sales parent, so there is no second
    value to disagree with; the generator also draws conflicts among such ship-tos, which are left out
    of the expectation here (and must then be resolved to the WMS parent, the only source).
    """
    truth = _read_csv(small_build.data_dir / "_truth" / "ship_to_parent_conflicts.csv")
    truth["ship_to_key"] = _key(truth["business_unit_id"], truth["ship_to_id"])
    truth["erp"] = _key(truth["business_unit_id"], truth["erp_customer_id"])
    truth["wms"] = _key(truth["business_unit_id"], truth["wms_customer_id"])
    observable = truth["ship_to_key"].isin(_ship_tos_with_usable_lines(small_build.data_dir))
    expected = set(zip(truth.loc[observable, "ship_to_key"], truth.loc[observable, "erp"],
                       truth.loc[observable, "wms"]))

    conflicts = _conflicts(small_build, "ship_to_parent")
    listed = set(zip(conflicts.index, conflicts["erp"], conflicts["wms"]))
    assert len(expected) > 0
    assert listed == expected

    winner = _winning_source("ship_to_parent")
    assert (conflicts["winning_source"] == winner).all()
    assert (conflicts["rule"] == f"hierarchy_precedence: ship_to_parent {winner} rank 1").all()

    unobservable = truth.loc[~observable].set_index("ship_to_key")
    ship_tos = small_build.query(
        "select ship_to_key, erp_parent_customer_key, parent_customer_key, parent_source "
        "from intermediate.int_ship_tos_reconciled").set_index("ship_to_key")
    assert ship_tos.loc[unobservable.index, "erp_parent_customer_key"].isna().all()
    assert (ship_tos.loc[unobservable.index, "parent_customer_key"] == unobservable["wms"]).all()


def test_global_accounts_match_customer_identity(small_build):
    truth = _read_csv(small_build.data_dir / "_truth" / "customer_identity.csv")
    customers = small_build.query(
        "select business_unit_id, customer_id, global_account_id, has_crm_account, segment_customer_id "
        "from intermediate.int_customers_reconciled")
    assert set(customers[["business_unit_id", "customer_id", "global_account_id"]].itertuples(index=False)) == set(
        truth[["business_unit_id", "customer_id", "global_account_id"]].itertuples(index=False))
    assert customers["has_crm_account"].all()
    # Default var customer_grain: global_account.
    assert (customers["segment_customer_id"] == customers["global_account_id"]).all()


def test_hierarchy_places_every_ship_to_under_its_expected_parent(small_build):
    """Parent per ship-to: the WMS customer, except where an injected conflict is visible to ERP (rank 1)."""
    data_dir = small_build.data_dir
    wms = _read_csv(data_dir / "ship_tos.csv")
    wms["ship_to_key"] = _key(wms["business_unit_id"], wms["ship_to_id"])
    wms["expected_parent"] = _key(wms["business_unit_id"], wms["customer_id"])
    truth = _read_csv(data_dir / "_truth" / "ship_to_parent_conflicts.csv")
    truth["ship_to_key"] = _key(truth["business_unit_id"], truth["ship_to_id"])
    truth = truth[truth["ship_to_key"].isin(_ship_tos_with_usable_lines(data_dir))].set_index("ship_to_key")
    assert _winning_source("ship_to_parent") == "erp", "this expectation assumes the shipped seed"
    wms = wms.set_index("ship_to_key")
    wms.loc[truth.index, "expected_parent"] = _key(truth["business_unit_id"], truth["erp_customer_id"])

    hierarchy = small_build.query(
        "select ship_to_key, customer_key, logistics_unit from intermediate.int_customer_hierarchy "
        "where ship_to_key is not null").set_index("ship_to_key")
    assert hierarchy.index.is_unique
    assert set(hierarchy.index) == set(wms.index)
    assert (hierarchy.loc[wms.index, "customer_key"] == wms["expected_parent"]).all()
    assert (hierarchy.loc[wms.index, "logistics_unit"] == wms["logistics_unit"]).all()

    customers = _read_csv(data_dir / "customers.csv")
    customer_keys = set(_key(customers["business_unit_id"], customers["customer_id"]))
    all_rows = small_build.query("select customer_key from intermediate.int_customer_hierarchy")
    assert set(all_rows["customer_key"]) == customer_keys


class _ThinBuild:
    """The hierarchy models built on a dataset without CRM and WMS files."""

    def __init__(self, db_path: Path, data_dir: Path) -> None:
        self.db_path = db_path
        self.data_dir = data_dir

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.sql(sql).df()


@pytest.fixture(scope="module")
def thin_build(tmp_path_factory: pytest.TempPathFactory) -> _ThinBuild:
    """The hierarchy models built on the thin profile: no CRM and no WMS files."""
    from supplyseg.demo_data import generate

    data_dir = tmp_path_factory.mktemp("thin_data")
    generate(scale="small", seed=7, out_dir=data_dir, fmt="csv", profile="thin")
    work = tmp_path_factory.mktemp("thin_build")
    run_dbt(
        ["build", "--select", "+int_customer_hierarchy", "+int_customer_hierarchy_conflicts",
         "--indirect-selection", "cautious"],
        db_path=work / "thin.duckdb", raw_path=data_dir, target="ci", target_path=work / "target",
    )
    return _ThinBuild(db_path=work / "thin.duckdb", data_dir=data_dir)


def test_without_crm_and_wms_every_customer_is_its_own_account(thin_build):
    assert not (thin_build.data_dir / "crm_accounts.csv").exists()
    assert not (thin_build.data_dir / "ship_tos.csv").exists()
    customers = _read_csv(thin_build.data_dir / "customers.csv")
    reconciled = thin_build.query("select * from intermediate.int_customers_reconciled")
    assert len(reconciled) == len(customers)
    assert (reconciled["global_account_id"] == reconciled["customer_key"]).all()
    assert not reconciled["has_crm_account"].any()
    assert not reconciled["is_key_account"].any()
    assert (reconciled["sales_region_source"].dropna() == "erp").all()

    ship_tos = thin_build.query("select * from intermediate.int_ship_tos_reconciled")
    assert set(ship_tos["ship_to_key"]) == _ship_tos_with_usable_lines(thin_build.data_dir)
    assert (ship_tos["parent_source"] == "erp").all()
    assert (ship_tos["logistics_unit"] == "UNASSIGNED").all()
    assert ship_tos["is_logistics_unit_unassigned"].all()
    assert thin_build.query("select count(*) as n from intermediate.int_customer_hierarchy_conflicts")["n"][0] == 0
