"""Quarantine and load summary against the defects the generator injected, and the input contract.

The small dataset's ``_truth/order_line_defects.csv`` lists every defect the generator put into
order_lines. Lines with a missing required value, an unknown customer or product, or an unparseable
order date must be quarantined with the matching reason, nothing else; exact copies must be removed
and counted, not quarantined. The contract tests break a copy of the input and check the build stops
with the file and column named.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from supplyseg.dbt_runner import run_dbt

# Defect of the generator -> (rejection_reason, rejection_column) in fct_quarantined_rows;
# missing_required takes its column from the truth file.
QUARANTINED_DEFECTS = {
    "unknown_customer": ("unknown_customer", None),
    "unknown_product": ("unknown_product", None),
    "unparseable_date": ("unparseable", "order_date"),
}
SOURCES_FILES = Path(__file__).resolve().parents[1] / "models" / "staging"


def _contract_entities() -> set[str]:
    """The tables of the input contract, read from the sources files (not from dbt's graph)."""
    entities = set()
    for path in SOURCES_FILES.glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source.get("schema") == "raw":
                entities.update(table.get("identifier", table["name"]) for table in source["tables"])
    return entities


def _truth_defects(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "_truth" / "order_line_defects.csv", dtype=str, keep_default_na=False)


def _expected_quarantine(defects: pd.DataFrame) -> set[tuple[str, str, str | None]]:
    """(entity_key, rejection_reason, rejection_column) the injected defects must produce."""
    expected = set()
    for row in defects.itertuples():
        key = f"{row.business_unit_id}:{row.order_id}:{int(row.order_line_number)}"
        if row.defect == "missing_required":
            expected.add((key, "missing_required", row.column_name))
        elif row.defect in QUARANTINED_DEFECTS:
            expected.add((key, *QUARANTINED_DEFECTS[row.defect]))
    return expected


def _load_summary(build) -> pd.DataFrame:
    return build.query("select * from marts.fct_load_summary").set_index("entity")


def test_quarantined_order_lines_are_the_injected_defects(small_build) -> None:
    defects = _truth_defects(small_build.data_dir)
    expected = _expected_quarantine(defects)
    quarantined = small_build.query(
        "select entity_key, rejection_reason, rejection_column from marts.fct_quarantined_rows"
        " where entity = 'order_lines'"
    )
    actual = {
        (row.entity_key, row.rejection_reason, None if pd.isna(row.rejection_column) else row.rejection_column)
        for row in quarantined.itertuples()
    }
    assert len(quarantined) == len(actual), "an order line is quarantined twice"
    assert actual - expected == set(), "quarantined lines the generator did not break"
    assert expected - actual == set(), "injected defects that were not quarantined"


def test_quarantine_counts_by_reason_match_the_truth(small_build) -> None:
    defects = _truth_defects(small_build.data_dir)
    expected: dict[tuple[str, str | None], int] = {}
    for key, reason, column in _expected_quarantine(defects):
        expected[(reason, column)] = expected.get((reason, column), 0) + 1
    counts = small_build.query(
        "select rejection_reason, rejection_column, count(*) as row_count from marts.fct_quarantined_rows"
        " where entity = 'order_lines' group by all"
    )
    actual = {
        (row.rejection_reason, None if pd.isna(row.rejection_column) else row.rejection_column): row.row_count
        for row in counts.itertuples()
    }
    assert actual == expected
    # The wide columns of the load summary say the same.
    summary = _load_summary(small_build).loc["order_lines"]
    assert summary["rows_missing_required"] == (defects["defect"] == "missing_required").sum()
    assert summary["rows_unknown_customer"] == (defects["defect"] == "unknown_customer").sum()
    assert summary["rows_unknown_product"] == (defects["defect"] == "unknown_product").sum()
    assert summary["rows_unparseable"] == (defects["defect"] == "unparseable_date").sum()
    assert summary[["rows_conflicting_duplicate_key", "rows_unknown_business_unit", "rows_missing_fx_rate"]].sum() == 0


def test_exact_duplicates_are_removed_and_counted(small_build) -> None:
    defects = _truth_defects(small_build.data_dir)
    truth_summary = json.loads((small_build.data_dir / "_truth" / "summary.json").read_text())
    injected = int((defects["defect"] == "duplicate").sum())
    assert injected == truth_summary["defects"]["duplicate"] > 0
    summary = _load_summary(small_build)
    assert summary.loc["order_lines", "exact_duplicates_removed"] == injected


def test_load_summary_accounts_for_every_row_read(small_build) -> None:
    summary = _load_summary(small_build)
    entities = _contract_entities()
    assert len(entities) >= 10, entities
    # Every entity of the contract is counted, with no list kept in the models (registry staged_entities).
    assert set(summary.index) == entities
    assert summary["run_id"].nunique() == 1
    for entity in entities:
        path = small_build.data_dir / f"{entity}.csv"
        rows_in_file = len(pd.read_csv(path, dtype=str)) if path.exists() else 0
        row = summary.loc[entity]
        assert row["rows_read"] == rows_in_file, entity
        assert row["rows_read"] == row["rows_used"] + row["rows_quarantined"] + row["exact_duplicates_removed"], entity
    quarantined = small_build.query("select entity, count(*) as row_count from marts.fct_quarantined_rows group by all")
    for row in quarantined.itertuples():
        assert summary.loc[row.entity, "rows_quarantined"] == row.row_count, row.entity


# --- The input contract -------------------------------------------------------------------------


@pytest.fixture()
def data_copy(small_data: Path, tmp_path: Path) -> Path:
    """A private copy of the small dataset to break."""
    return Path(shutil.copytree(small_data, tmp_path / "data"))


def _build(data_dir: Path, work: Path):
    return run_dbt(
        ["build"], db_path=work / "contract.duckdb", raw_path=data_dir, target="ci",
        target_path=work / "target", check=False,
    )


def test_missing_required_column_stops_the_build(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "order_lines.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["quantity"]).to_csv(path, index=False)

    result = _build(data_copy, tmp_path)

    assert not result.ok
    assert f"file {path.resolve()} has no required column 'quantity'" in result.output


def test_required_column_of_wrong_type_stops_the_build(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "order_lines.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["quantity"] = frame["quantity"].where(frame["quantity"] == "", frame["quantity"] + " pcs")
    frame.to_csv(path, index=False)

    result = _build(data_copy, tmp_path)

    assert not result.ok
    assert f"column 'quantity' in file {path.resolve()} is not of type double" in result.output


def test_optional_entity_with_only_a_header_builds(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "forecasts.csv"
    header = path.read_text().splitlines()[0]
    path.write_text(header + "\n")

    result = _build(data_copy, tmp_path)

    assert result.ok, result.output[-6000:]
    assert f"file {path.resolve()} has a header but no rows" in result.output
    with duckdb.connect(str(tmp_path / "contract.duckdb"), read_only=True) as con:
        rows_read = con.sql("select rows_read from marts.fct_load_summary where entity = 'forecasts'").fetchall()
        forecast = con.sql(
            "select is_available, unavailable_reason from marts.fct_data_capabilities"
            " where capability = 'forecast_accuracy'"
        ).fetchall()
    assert rows_read == [(0,)]
    assert forecast[0][0] is False
    assert "forecasts has no rows" in forecast[0][1]


def test_rejected_row_of_an_optional_entity_is_quarantined_with_its_key(data_copy: Path, tmp_path: Path) -> None:
    """Quarantine covers every entity of the registry, not only order lines; the key is built from the
    staging model's primary-key columns, '?' where a part did not parse."""
    path = data_copy / "forecasts.csv"
    forecasts = pd.read_csv(path, dtype=str, keep_default_na=False)
    broken = 2  # third data row
    forecasts.loc[broken, "period_start"] = "not a date"
    forecasts.to_csv(path, index=False)
    expected_key = f"{forecasts.loc[broken, 'business_unit_id']}:{forecasts.loc[broken, 'product_id']}:?"

    result = _build(data_copy, tmp_path)

    assert result.ok, result.output[-6000:]
    with duckdb.connect(str(tmp_path / "contract.duckdb"), read_only=True) as con:
        quarantined = con.sql(
            "select source_system, entity_key, rejection_reason, rejection_column, source_row_number"
            " from marts.fct_quarantined_rows where entity = 'forecasts'"
        ).fetchall()
        summary = con.sql(
            "select rows_read, rows_quarantined, rows_unparseable from marts.fct_load_summary where entity = 'forecasts'"
        ).fetchall()
    assert quarantined == [("planning", expected_key, "unparseable", "period_start", broken + 1)]
    assert summary == [(len(forecasts), 1, 1)]


def test_required_entity_with_only_a_header_stops_the_build(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "order_lines.csv"
    header = path.read_text().splitlines()[0]
    path.write_text(header + "\n")

    result = _build(data_copy, tmp_path)

    assert not result.ok
    assert f"file {path.resolve()} of required entity 'order_lines' has no rows" in result.output
