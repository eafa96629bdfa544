"""reference_date: auto (the default) is the last order date of the data; an explicit date wins.

- On the small dataset, auto resolves to the last order date read from the raw file with pandas.
- A real one-year extract from an earlier year (the thin profile with every date shifted back to 2017)
  builds with no reference_date given and classifies its products.
- A reference date outside the data makes the completeness gates stop the build, and the error gives
  the data's date range and says how to set reference_date.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import SMALL_SEED, Build
from supplyseg.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

ISO_DATE_FIELD = re.compile(r'(?<=[,"\n])(\d{4})-(\d{2})-(\d{2})(?=[,"\n])')
YEARS_BACK = 8  # 2025 -> 2017; a multiple of 4, so 29 February stays a valid date


def shift_dates_by_years(data_dir: Path, years: int) -> None:
    """Move every ISO date in every CSV of data_dir by a whole number of years (unparseable dates stay)."""
    for path in data_dir.glob("*.csv"):
        text = path.read_text()
        shifted = ISO_DATE_FIELD.sub(lambda m: f"{int(m.group(1)) + years:04d}-{m.group(2)}-{m.group(3)}", text)
        path.write_text(shifted)


def usable_order_dates(data_dir: Path) -> pd.Series:
    """Order dates of lines a planner would count: parseable date and quantity, known product and customer."""
    lines = pd.read_csv(data_dir / "order_lines.csv", dtype=str, keep_default_na=False)
    products = set(pd.read_csv(data_dir / "products.csv", dtype=str, keep_default_na=False)["product_id"])
    customers = pd.read_csv(data_dir / "customers.csv", dtype=str, keep_default_na=False)
    known_customers = set(zip(customers["business_unit_id"], customers["customer_id"]))
    dates = pd.to_datetime(lines["order_date"], format="%Y-%m-%d", errors="coerce")
    quantity = pd.to_numeric(lines["quantity"], errors="coerce")
    known = lines["product_id"].isin(products) & pd.Series(
        [key in known_customers for key in zip(lines["business_unit_id"], lines["customer_id"])], index=lines.index
    )
    return dates[dates.notna() & quantity.notna() & known]


def test_auto_is_the_last_order_date_of_the_data(small_build: Build) -> None:
    row = small_build.query("select * from intermediate.int_reference_date").iloc[0]
    dates = usable_order_dates(small_build.data_dir)
    assert row["reference_date_setting"] == "auto"
    assert row["reference_date_source"].startswith("auto")
    assert pd.Timestamp(row["reference_date"]) == dates.max()
    assert pd.Timestamp(row["first_order_date"]) == dates.min()
    # Everything that is "as of" a date uses this one.
    stamped = small_build.query("select distinct reference_date from marts.fct_load_summary")
    assert list(pd.to_datetime(stamped["reference_date"])) == [dates.max()]
    last_period = small_build.query("select max(period_end_date) as d from intermediate.int_analysis_periods")
    assert pd.Timestamp(last_period["d"].iloc[0]) <= dates.max()


@pytest.fixture(scope="module")
def thin_2017_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from supplyseg.demo_data import generate

    work = tmp_path_factory.mktemp("thin_2017")
    data_dir = work / "data"
    generate(scale="small", seed=SMALL_SEED, out_dir=data_dir, fmt="csv", profile="thin")
    shift_dates_by_years(data_dir, -YEARS_BACK)
    result = run_dbt(
        ["build"], db_path=work / "thin_2017.duckdb", raw_path=data_dir, target="ci",
        target_path=work / "target", check=False,
    )
    assert result.ok, f"dbt build of the 2017 extract with reference_date auto failed:\n{result.output[-6000:]}"
    return Build(db_path=work / "thin_2017.duckdb", data_dir=data_dir, output=result.output)


def test_a_2017_extract_builds_with_no_reference_date_and_classifies_its_products(thin_2017_build: Build) -> None:
    dates = usable_order_dates(thin_2017_build.data_dir)
    assert dates.max().year == 2017 and dates.min().year == 2017  # guard: the shift really happened

    reference = thin_2017_build.query("select * from intermediate.int_reference_date").iloc[0]
    assert pd.Timestamp(reference["reference_date"]) == dates.max()

    lines = pd.read_csv(thin_2017_build.data_dir / "order_lines.csv", dtype=str, keep_default_na=False)
    quantity = pd.to_numeric(lines["quantity"], errors="coerce")
    with_demand = set(lines.loc[dates.index[quantity.loc[dates.index] > 0], "product_id"])

    products = thin_2017_build.query("select product_id, abc_class, xyz_class from marts.dim_product_segments")
    assert len(with_demand) > 100  # guard: a real extract, not a handful of products
    assert set(products["product_id"]) == with_demand
    assert products["abc_class"].notna().all()
    assert products["xyz_class"].notna().all()
    assert set(products["abc_class"]) == {"A", "B", "C"}

    gates = thin_2017_build.query("select is_passed, result_message from intermediate.int_completeness_gate_results")
    assert gates["is_passed"].all(), gates.to_string()


def test_a_reference_date_outside_the_data_names_the_data_range(small_data: Path, tmp_path: Path) -> None:
    dates = usable_order_dates(small_data)
    result = run_dbt(
        ["build"], db_path=tmp_path / "outside.duckdb", raw_path=small_data, target="ci",
        target_path=tmp_path / "target", dbt_vars={"reference_date": "2019-12-31"}, check=False,
    )
    assert not result.ok
    assert "nothing to measure" in result.output
    data_range = f"run from {dates.min().date().isoformat()} to {dates.max().date().isoformat()}"
    assert data_range in result.output
    assert "Set var reference_date to auto" in result.output
    assert "reference date 2019-12-31, set by var reference_date" in result.output
