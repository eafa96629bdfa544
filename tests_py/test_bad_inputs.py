"""Bad files, bad values and bad seeds end in quarantine or a named error, never in a green build with wrong segments.

Every case breaks a private copy of the small dataset (or of the project, for seeds):

- values the contract used to let through (1e308, NaN, infinity, negative prices) are quarantined as
  ``out_of_range`` with the column named, and segments stay sane; an optional column with text in a
  number column is reported as unparseable (log and ``fct_load_summary``), not as missing;
- 40% unparseable quantities stop the build at the completeness gate ``usable_rows_per_reason``, which
  names the file, the reason and the share, and the published marts stay as they were;
- duplicate or case-duplicate headers, an integer id column in Parquet, a 0-byte file and a non-UTF-8
  CSV stop the build before any model runs with a message naming the file and what to do;
- swapped XYZ limits and an ADI cut-off below 1 fail seed checks that name the row and skip everything
  that reads those seeds;
- two builds of the same folder publish identical marts (run ids and times aside).

Expected counts and shares are computed here with pandas from the broken files, never read from the models.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from supplyseg.dbt_runner import PROJECT_DIR, DbtResult, run_dbt

pytestmark = pytest.mark.e2e

PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
MAX_ABS_VALUE = float(PROJECT_VARS["contract_max_abs_value"])
# Required columns of order_lines in the order the contract checks them, and their types.
ORDER_LINE_REQUIRED = {
    "business_unit_id": "varchar", "order_id": "varchar", "order_line_number": "integer", "order_date": "date",
    "customer_id": "varchar", "product_id": "varchar", "quantity": "double", "unit_price": "double",
}
NOT_COPIED = (".venv", ".git", "target", "logs", "build", ".pytest_cache", "__pycache__", "dbt_packages")
PUBLISHED_MARTS = ("marts.dim_product_segments", "marts.dim_customer_segments", "marts.fct_quarantined_rows")


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _copy(small_data: Path, target: Path) -> Path:
    return Path(shutil.copytree(small_data, target, ignore=shutil.ignore_patterns("_truth")))


def _build(data_dir: Path, work: Path, db_name: str, name: str, command: tuple[str, ...] = ("build",)) -> DbtResult:
    return run_dbt(
        list(command), db_path=work / db_name, raw_path=data_dir, target="ci", target_path=work / f"target_{name}",
        check=False,
    )


def _query(db_path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).df()


def _sorted_table(db_path: Path, table: str) -> pd.DataFrame:
    frame = _query(db_path, f"select * from {table}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _parses(values: pd.Series, data_type: str) -> pd.Series:
    """Whether text values parse to a contract type (DuckDB's casts, written for the values the generator writes)."""
    if data_type == "varchar":
        return values != ""
    if data_type == "date":
        return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").notna()
    numbers = pd.to_numeric(values, errors="coerce")
    if data_type == "integer":
        return numbers.notna() & (numbers == np.round(numbers))
    return numbers.notna()


def _clean_lines(lines: pd.DataFrame) -> pd.Series:
    """Order lines that pass every row check of the contract and are not copies of another line."""
    ok = pd.Series(True, index=lines.index)
    for column, data_type in ORDER_LINE_REQUIRED.items():
        ok &= _parses(lines[column].str.strip(), data_type)
    ok &= ~lines.duplicated(keep=False)
    ok &= ~lines.duplicated(["business_unit_id", "order_id", "order_line_number"], keep=False)
    ok &= pd.to_numeric(lines["quantity"], errors="coerce") > 0
    return ok


# --- Values the contract must not let through --------------------------------------------------------------


@dataclass(frozen=True)
class ValueBuild:
    work: Path
    db_path: Path
    data_dir: Path
    output: str
    broken: pd.DataFrame  # source_row_number, rejection_column of every order line made out of range
    unparseable_cost_rows: int
    unparseable_standard_cost_rows: int


@pytest.fixture(scope="module")
def value_build(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> ValueBuild:
    """One build on a copy with absurd, non-finite and negative values and text in optional number columns."""
    work = tmp_path_factory.mktemp("bad_values")
    data_dir = _copy(small_data, work / "data")
    path = data_dir / "order_lines.csv"
    lines = _read_csv(path)
    rng = np.random.default_rng(14)
    candidates = lines.index[_clean_lines(lines)]
    # Five lines of five different products at 1e308 (today that made every other product class C).
    by_product = lines.loc[candidates].drop_duplicates("product_id")
    huge = rng.choice(by_product.index, size=5, replace=False)
    rest = rng.permutation(candidates.difference(lines.loc[lines["product_id"].isin(lines.loc[huge, "product_id"])].index))
    nan_quantity, inf_price, negative_price, huge_cost, text_cost = (
        rest[0:2], rest[2:4], rest[4:7], rest[7:8], rest[8:10],
    )
    lines.loc[huge, "quantity"] = "1e308"
    lines.loc[nan_quantity, "quantity"] = "NaN"
    lines.loc[inf_price, "unit_price"] = "inf"
    lines.loc[negative_price, "unit_price"] = "-" + lines.loc[negative_price, "unit_price"]
    lines.loc[huge_cost, "unit_cost"] = str(MAX_ABS_VALUE * 10)
    lines.loc[text_cost, "unit_cost"] = "n/a"
    lines.to_csv(path, index=False)
    broken = pd.DataFrame(
        [(int(i) + 1, "quantity") for i in [*huge, *nan_quantity]]
        + [(int(i) + 1, "unit_price") for i in [*inf_price, *negative_price]]
        + [(int(i) + 1, "unit_cost") for i in huge_cost],
        columns=["source_row_number", "rejection_column"],
    )
    products_path = data_dir / "products.csv"
    products = _read_csv(products_path)
    products.loc[products.index[:3], "standard_cost"] = "unknown"
    products.to_csv(products_path, index=False)

    result = _build(data_dir, work, "values.duckdb", "values")
    assert result.ok, f"dbt build with bad values failed:\n{result.output[-6000:]}"
    return ValueBuild(work, work / "values.duckdb", data_dir, result.output, broken, len(text_cost), 3)


def test_absurd_non_finite_and_negative_values_are_quarantined(value_build: ValueBuild) -> None:
    quarantined = _query(
        value_build.db_path,
        "select source_row_number, rejection_column from marts.fct_quarantined_rows"
        " where entity = 'order_lines' and rejection_reason = 'out_of_range'",
    )
    actual = set(map(tuple, quarantined[["source_row_number", "rejection_column"]].itertuples(index=False)))
    expected = set(map(tuple, value_build.broken.itertuples(index=False)))
    assert actual == expected
    summary = _query(value_build.db_path, "select * from marts.fct_load_summary").set_index("entity")
    assert summary.loc["order_lines", "rows_out_of_range"] == len(expected)


def test_segments_are_not_distorted_by_absurd_values(value_build: ValueBuild, small_build) -> None:
    query = "select product_id, abc_class, abc_measure_value from marts.dim_product_segments"
    broken = _query(value_build.db_path, query).set_index("product_id")
    clean = small_build.query(query).set_index("product_id")
    # No product carries a value near 1e308, and the classes are those of the clean data but for the
    # few products near a boundary that lost a line (before the fix every product but five was C).
    assert broken["abc_measure_value"].abs().max() < 1e12
    same = (broken["abc_class"] == clean["abc_class"].reindex(broken.index)).mean()
    assert same >= 0.95
    assert (broken["abc_class"] == "A").sum() >= 0.8 * (clean["abc_class"] == "A").sum()


def test_unparseable_optional_values_are_reported_as_unparseable(value_build: ValueBuild) -> None:
    summary = _query(value_build.db_path, "select * from marts.fct_load_summary").set_index("entity")
    assert summary.loc["order_lines", "rows_with_unparseable_optional_value"] == value_build.unparseable_cost_rows
    assert summary.loc["products", "rows_with_unparseable_optional_value"] == value_build.unparseable_standard_cost_rows
    # Still used, not quarantined and not called missing.
    assert summary.loc["products", "rows_quarantined"] == 0
    order_lines_file = (value_build.data_dir / "order_lines.csv").resolve()
    products_file = (value_build.data_dir / "products.csv").resolve()
    assert (
        f"optional column 'unit_cost' in file {order_lines_file} is unparseable in "
        f"{value_build.unparseable_cost_rows} of" in value_build.output
    )
    assert f"optional column 'standard_cost' in file {products_file} is unparseable in 3 of" in value_build.output
    assert "no optional column(s) unit_cost" not in value_build.output


# --- The gate on unusable rows -----------------------------------------------------------------------------


def test_forty_percent_unparseable_quantities_stop_at_the_gate(value_build: ValueBuild) -> None:
    published = {table: _sorted_table(value_build.db_path, table) for table in PUBLISHED_MARTS}
    data_dir = _copy(value_build.data_dir, value_build.work / "unparseable_quantities")
    path = data_dir / "order_lines.csv"
    lines = _read_csv(path)
    rng = np.random.default_rng(41)
    broken = rng.choice(len(lines), size=int(len(lines) * 0.4), replace=False)
    lines.loc[lines.index[broken], "quantity"] = "twelve"
    lines.to_csv(path, index=False)
    # Rows whose first contract reason is 'unparseable' (a required value present but not of its type).
    missing = pd.Series(False, index=lines.index)
    unparseable = pd.Series(False, index=lines.index)
    for column, data_type in ORDER_LINE_REQUIRED.items():
        value = lines[column].str.strip()
        missing |= value == ""
        unparseable |= (value != "") & ~_parses(value, data_type)
    expected_share = 1 - (unparseable & ~missing).sum() / len(lines)
    assert expected_share < 0.65

    result = _build(data_dir, value_build.work, "values.duckdb", "unparseable_quantities")

    assert not result.ok, "dbt build passed with 40% unparseable quantities"
    message = next(line for line in result.output.splitlines() if "usable_rows_per_reason FAILED" in line)
    assert "at order_lines, reason unparseable" in message
    measured = float(message.split("share_of_rows_usable = ")[1].split(" ")[0])
    assert measured == pytest.approx(expected_share, abs=1e-4)
    assert "usable_rows_per_entity FAILED" in result.output
    for table, before in published.items():
        pd.testing.assert_frame_equal(_sorted_table(value_build.db_path, table), before, obj=table)


# --- Files DuckDB cannot read as they stand ----------------------------------------------------------------


def _contract_only(data_dir: Path, work: Path) -> DbtResult:
    """A dbt command that runs the input contract (on-run-start) and one small model."""
    return _build(data_dir, work, "contract.duckdb", "contract", ("run", "--select", "stg_erp__business_units"))


@pytest.mark.parametrize("second_name", ["quantity", "Quantity", " QUANTITY "])
def test_duplicate_headers_stop_the_build(small_data: Path, tmp_path: Path, second_name: str) -> None:
    data_dir = _copy(small_data, tmp_path / "data")
    path = data_dir / "order_lines.csv"
    text = path.read_text().splitlines()
    header, rows = text[0], text[1:]
    quantity_position = header.split(",").index('"quantity"')
    path.write_text(
        "\n".join([header + f',"{second_name}"'] + [row + "," + row.split(",")[quantity_position] for row in rows])
        + "\n"
    )

    result = _contract_only(data_dir, tmp_path)

    assert not result.ok
    assert f"file {path.resolve()} of entity 'order_lines' has duplicate column names" in result.output
    assert f"'quantity' and '{second_name}'" in result.output


def test_integer_ids_in_parquet_stop_the_build(small_data: Path, tmp_path: Path) -> None:
    data_dir = _copy(small_data, tmp_path / "data")
    customers = _read_csv(data_dir / "customers.csv")
    assert customers["customer_id"].str.startswith("0").any()  # leading zeros a number would drop
    customers["customer_id"] = pd.to_numeric(customers["customer_id"], errors="coerce").astype("Int64")
    (data_dir / "customers.csv").unlink()
    customers.to_parquet(data_dir / "customers.parquet", index=False)

    result = _contract_only(data_dir, tmp_path)

    assert not result.ok
    path = (data_dir / "customers.parquet").resolve()
    assert f"id column 'customer_id' in file {path} is stored as BIGINT, not as text" in result.output
    assert "Write the column as a string" in result.output


@pytest.mark.parametrize("entity", ["order_lines", "ship_tos"])
def test_zero_byte_file_gets_a_contract_message(small_data: Path, tmp_path: Path, entity: str) -> None:
    data_dir = _copy(small_data, tmp_path / "data")
    path = data_dir / f"{entity}.csv"
    path.write_bytes(b"")

    result = _contract_only(data_dir, tmp_path)

    assert not result.ok
    assert f"file {path.resolve()} of entity '{entity}' is empty (0 bytes)" in result.output
    assert "write its header row only" in result.output


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_non_utf8_csv_gets_a_contract_message(small_data: Path, tmp_path: Path) -> None:
    data_dir = _copy(small_data, tmp_path / "data")
    path = data_dir / "customers.csv"
    customers = _read_csv(path)
    customers.loc[customers.index[-1], "customer_name"] = "Café Müller"
    text_lines = customers.to_csv(index=False).splitlines()
    encoded = [line.encode("latin-1", errors="replace") for line in text_lines]
    path.write_bytes(b"\n".join(encoded) + b"\n")
    assert not all(_is_utf8(line) for line in encoded)

    result = _contract_only(data_dir, tmp_path)

    assert not result.ok
    assert f"file {path.resolve()} of entity 'customers' is not UTF-8 encoded" in result.output
    assert "iconv" in result.output
    assert "Invalid unicode" not in result.output


# --- Seed mistakes name the offending row ------------------------------------------------------------------


def test_seed_mistakes_name_the_row_and_stop_before_segments(small_data: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    xyz_path = project / "seeds" / "segmentation" / "xyz_thresholds.csv"
    xyz = pd.read_csv(xyz_path, dtype=str)
    x_limit, y_limit = xyz.loc[xyz["xyz_class"] == "X", "cv_upper"].item(), xyz.loc[xyz["xyz_class"] == "Y", "cv_upper"].item()
    xyz.loc[xyz["xyz_class"] == "X", "cv_upper"] = y_limit
    xyz.loc[xyz["xyz_class"] == "Y", "cv_upper"] = x_limit
    xyz.to_csv(xyz_path, index=False)
    cutoffs_path = project / "seeds" / "segmentation" / "demand_pattern_cutoffs.csv"
    cutoffs = pd.read_csv(cutoffs_path, dtype=str)
    cutoffs.loc[cutoffs["parameter"] == "adi_cutoff", "value"] = "-1.32"
    cutoffs.to_csv(cutoffs_path, index=False)

    result = run_dbt(
        ["build", "--select", "xyz_thresholds+", "demand_pattern_cutoffs+", "--indirect-selection", "cautious",
         "--project-dir", str(project), "--profiles-dir", str(project)],
        db_path=tmp_path / "seeds.duckdb", raw_path=small_data, target="ci", target_path=tmp_path / "target",
        check=False,
    )

    assert not result.ok
    lines = result.output.splitlines()
    assert any("FAIL" in line and "assert_xyz_thresholds_are_consistent" in line for line in lines), result.output[-3000:]
    assert any("FAIL" in line and "assert_demand_pattern_cutoffs_are_valid" in line for line in lines)
    assert (
        f"Seed check FAILED: seed xyz_thresholds, row Y (class_rank 2, cv_upper {float(x_limit)}): cv_upper must be"
        f" above {float(y_limit)}, the cv_upper of class X" in result.output
    )
    assert "Seed check FAILED: seed demand_pattern_cutoffs, row adi_cutoff: value -1.32 must be above 1" in result.output
    # Nothing that reads the seeds is built, so no segment is published from them.
    for model in ("int_segment_entities_variability_classified", "dim_product_segments"):
        assert any("SKIP relation" in line and model in line for line in lines), model


# --- Identical input gives identical output ----------------------------------------------------------------


def _marts(db_path: Path) -> dict[str, pd.DataFrame]:
    """Every table of schema marts, without run ids and times, in a stable row order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [row[0] for row in con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]
        columns = con.sql(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'"
        ).df()
        result = {}
        for table in tables:
            kept = [
                row.column_name for row in columns[columns["table_name"] == table].itertuples()
                if row.column_name != "run_id" and not row.column_name.endswith(("_run_id", "_at"))
                and "TIMESTAMP" not in row.data_type
            ]
            frame = con.sql(f"select {', '.join(kept)} from marts.{table}").df()
            result[table] = frame.sort_values(kept).reset_index(drop=True)
    return result


def test_two_builds_of_the_same_input_publish_identical_marts(small_build, tmp_path: Path) -> None:
    second = _build(small_build.data_dir, tmp_path, "second.duckdb", "second")
    assert second.ok, second.output[-6000:]

    first_marts, second_marts = _marts(small_build.db_path), _marts(tmp_path / "second.duckdb")

    assert set(first_marts) == set(second_marts)
    assert len(first_marts) >= 7
    for table, first in first_marts.items():
        pd.testing.assert_frame_equal(second_marts[table], first, check_exact=True, obj=table)
