"""Completeness gates stop ``dbt build`` before classification and leave the published marts alone.

One database file: a build on good data first, then two broken loads built into the same file, one
after the other (DuckDB allows one writer per file). Each broken build must fail, say which gate failed
and by how much, and leave the segment marts and the quarantine exactly as the good build wrote them
(run_id included). Expected measured shares are computed here with pandas from the input files.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from supplyseg.dbt_runner import DbtResult, run_dbt

PROTECTED_MARTS = ("marts.dim_product_segments", "marts.dim_customer_segments", "marts.fct_quarantined_rows")
REFERENCE_DATE = pd.Timestamp("2025-12-31")  # reference_date: auto = the small dataset's last order date
ANALYSIS_WINDOW_MONTHS = 36  # default of var analysis_window_months
REPORTING_CURRENCY = "EUR"


@dataclass(frozen=True)
class GateBuild:
    work: Path
    db_path: Path
    first_build: dict[str, pd.DataFrame]


def _read_csv(path: Path) -> pd.DataFrame:
    """A raw extract as text, empty strings as missing (as the input contract reads it)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False).apply(lambda col: col.str.strip()).replace("", None)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, na_rep="")


def _table(db_path: Path, table: str) -> pd.DataFrame:
    """Full contents of a table in a stable row order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        frame = con.sql(f"select * from {table}").df()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _build(work: Path, db_path: Path, data_dir: Path, name: str) -> DbtResult:
    return run_dbt(
        ["build"], db_path=db_path, raw_path=data_dir, target="ci", target_path=work / f"target_{name}", check=False
    )


def _copy_data(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _window_lines(order_lines: pd.DataFrame) -> pd.DataFrame:
    """Order lines a gate measures: exact copies left out, order date parseable and in the analysis window."""
    distinct = order_lines[~order_lines.duplicated(keep="first")].copy()
    distinct["order_day"] = pd.to_datetime(distinct["order_date"], format="%Y-%m-%d", errors="coerce")
    window_start = (REFERENCE_DATE + pd.Timedelta(days=1)) - pd.DateOffset(months=ANALYSIS_WINDOW_MONTHS)
    return distinct[(distinct["order_day"] >= window_start) & (distinct["order_day"] <= REFERENCE_DATE)]


def _valid_customer_product_price_share(data_dir: Path) -> float:
    """Share of window lines whose customer, product and unit price are valid, computed from the files."""
    lines = _window_lines(_read_csv(data_dir / "order_lines.csv"))
    customers = _read_csv(data_dir / "customers.csv")
    products = _read_csv(data_dir / "products.csv")
    known_customers = set(zip(customers["business_unit_id"], customers["customer_id"]))
    known_products = set(products["product_id"])
    has_customer = [key in known_customers for key in zip(lines["business_unit_id"], lines["customer_id"])]
    has_product = lines["product_id"].isin(known_products)
    has_price = pd.to_numeric(lines["unit_price"], errors="coerce").notna()
    return float((np.array(has_customer) & has_product & has_price).mean())


def _measured_share_in_output(output: str, gate_id: str) -> float:
    """The measured share the failed gate wrote to dbt's output."""
    match = re.search(rf"completeness gate {gate_id} FAILED: \S+ = ([0-9.eE-]+) at ", output)
    assert match, f"dbt output does not name gate {gate_id} with a measured value:\n{output[-4000:]}"
    return float(match.group(1))


def _gate_results(db_path: Path) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql("select * from intermediate.int_completeness_gate_results").df().set_index("gate_id")


@pytest.fixture(scope="module")
def gate_build(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> GateBuild:
    """A build on good data; its protected marts are the reference for the broken loads."""
    work = tmp_path_factory.mktemp("quality_gates")
    db_path = work / "gates.duckdb"
    result = _build(work, db_path, small_data, "good")
    assert result.ok, f"dbt build on good data failed:\n{result.output[-6000:]}"
    return GateBuild(work, db_path, {table: _table(db_path, table) for table in PROTECTED_MARTS})


def _assert_marts_unchanged(build: GateBuild) -> None:
    for table, first in build.first_build.items():
        assert len(first) > 0, f"{table} was empty after the good build"
        pd.testing.assert_frame_equal(_table(build.db_path, table), first, obj=table)


def test_good_load_passes_every_gate(gate_build: GateBuild, small_data: Path) -> None:
    gates = _gate_results(gate_build.db_path)
    assert gates["is_passed"].all(), gates[["result_message"]].to_string()
    expected = _valid_customer_product_price_share(small_data)
    assert gates.loc["valid_customer_product_price", "measured_share"] == pytest.approx(expected, abs=1e-12)
    # Every line of good data has a rate and every unit sells in the last month.
    assert gates.loc["fx_rate_coverage", "measured_share"] == 1.0
    assert gates.loc["business_units_in_last_period", "measured_share"] == 1.0


def test_missing_fx_month_stops_the_build(gate_build: GateBuild, small_data: Path) -> None:
    data_dir = _copy_data(small_data, gate_build.work / "missing_fx_month")
    units = _read_csv(data_dir / "business_units.csv")
    foreign = units[units["currency_code"] != REPORTING_CURRENCY].iloc[0]
    currency, unit = foreign["currency_code"], foreign["business_unit_id"]
    fx_rates = _read_csv(data_dir / "fx_rates.csv")
    month = "2024-06-01"
    dropped = (fx_rates["currency_code"] == currency) & (fx_rates["rate_month"] == month)
    assert dropped.sum() == 1
    _write_csv(fx_rates[~dropped], data_dir / "fx_rates.csv")

    result = _build(gate_build.work, gate_build.db_path, data_dir, "missing_fx_month")

    assert not result.ok, "dbt build passed although a month of FX rates is missing"
    assert "fx_rate_coverage" in result.output
    # No line of that unit and month can be converted: the worst unit-month has share 0.
    assert _measured_share_in_output(result.output, "fx_rate_coverage") == 0.0
    assert f"{unit}, month starting {month}" in result.output
    gates = _gate_results(gate_build.db_path)
    assert not gates.loc["fx_rate_coverage", "is_passed"]
    assert gates.loc[["valid_customer_product_price", "business_units_in_last_period"], "is_passed"].all()
    _assert_marts_unchanged(gate_build)


def test_missing_customers_stop_the_build(gate_build: GateBuild, small_data: Path) -> None:
    data_dir = _copy_data(small_data, gate_build.work / "missing_customers")
    order_lines = _read_csv(data_dir / "order_lines.csv")
    rng = np.random.default_rng(7)
    dropped = rng.choice(len(order_lines), size=len(order_lines) // 10, replace=False)
    order_lines.loc[order_lines.index[dropped], "customer_id"] = None
    _write_csv(order_lines, data_dir / "order_lines.csv")
    expected = _valid_customer_product_price_share(data_dir)
    assert expected < 0.98

    result = _build(gate_build.work, gate_build.db_path, data_dir, "missing_customers")

    assert not result.ok, "dbt build passed although 10% of order lines have no customer"
    assert "valid_customer_product_price" in result.output
    assert _measured_share_in_output(result.output, "valid_customer_product_price") == pytest.approx(expected, abs=1e-4)
    gates = _gate_results(gate_build.db_path)
    assert gates.loc["valid_customer_product_price", "measured_share"] == pytest.approx(expected, abs=1e-12)
    _assert_marts_unchanged(gate_build)


def test_publishing_models_import_the_gate_results_visibly(gate_build: GateBuild) -> None:
    """The gate dependency is an import CTE in each publishing model, not a ref hidden in a macro."""
    manifest = json.loads((gate_build.work / "target_good" / "manifest.json").read_text())
    models = {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    gate_results = models["int_completeness_gate_results"]["unique_id"]
    for name in ("int_order_lines_consolidated", "fct_quarantined_rows"):
        node = models[name]
        assert gate_results in node["depends_on"]["nodes"], name
        assert re.search(r"\(\s*select \* from \{\{ ref\('int_completeness_gate_results'\) \}\}\s*\)", node["raw_code"]), (
            f"{name} does not import int_completeness_gate_results in a CTE of its own"
        )
        assert "assert_completeness_gates_passed(" in node["raw_code"], name


def test_plain_run_without_tests_stops_at_the_gate(gate_build: GateBuild, small_data: Path) -> None:
    """Under `dbt run` no gate test runs: the publishing models fail themselves (error() in the gate
    import), so nothing downstream is rebuilt and the published marts stay as they were."""
    data_dir = _copy_data(small_data, gate_build.work / "missing_fx_month_run")
    units = _read_csv(data_dir / "business_units.csv")
    currency = units[units["currency_code"] != REPORTING_CURRENCY].iloc[0]["currency_code"]
    fx_rates = _read_csv(data_dir / "fx_rates.csv")
    dropped = (fx_rates["currency_code"] == currency) & (fx_rates["rate_month"] == "2024-06-01")
    assert dropped.sum() == 1
    _write_csv(fx_rates[~dropped], data_dir / "fx_rates.csv")

    result = run_dbt(
        ["run"], db_path=gate_build.db_path, raw_path=data_dir, target="ci",
        target_path=gate_build.work / "target_run", check=False,
    )

    assert not result.ok, "dbt run passed although a month of FX rates is missing"
    assert "Completeness gates failed, nothing published" in result.output
    assert "completeness gate fx_rate_coverage FAILED" in result.output
    _assert_marts_unchanged(gate_build)
