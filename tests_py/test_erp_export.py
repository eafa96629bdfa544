"""`supplyseg export --out DIR`: the ERP export marts written as CSV from a finished build, read-only.

Checked on the session's small build: every export is written with its contract's columns in order, one row
per master record, the model version of dbt_project.yml and one run_id; two exports are byte-identical and the
database is not changed. The price-clause flag and the condition records are checked against the raw customers
file and the pricing seed (the generator writes has_price_clause; doc block contract_price_clause). A missing
database or mart stops the command with a message naming it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from supplyseg.cli import main
from supplyseg.dbt_runner import PROJECT_DIR
from supplyseg.erp_export import EXPORTS, ExportError, export_marts

PROJECT_VERSION = str(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["version"])
PRICING_SEED = PROJECT_DIR / "seeds" / "policy" / "cost_to_serve_pricing_tiers.csv"


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def exported(small_build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = digest(small_build.db_path)
    out = tmp_path_factory.mktemp("erp_export")
    assert main(["export", "--out", str(out), "--db", str(small_build.db_path)]) == 0
    assert digest(small_build.db_path) == before, "export changed the database"
    return out


def test_every_export_is_written_with_its_contract_columns(small_build, exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == sorted(f"{e.mart}.csv" for e in EXPORTS)
    with duckdb.connect(str(small_build.db_path), read_only=True) as con:
        for export in EXPORTS:
            columns = [row[0] for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [export.mart]).fetchall()]
            count = con.execute(f"select count(*) from marts.{export.mart}").fetchall()[0][0]
            frame = read_csv(exported / f"{export.mart}.csv")
            assert list(frame.columns) == columns, export.mart
            assert len(frame) == count and count > 0, export.mart


def test_one_row_per_master_record_ordered_by_its_key(exported: Path) -> None:
    for export in EXPORTS:
        frame = read_csv(exported / f"{export.mart}.csv")
        keys = frame[list(export.key_columns)]
        assert not keys.duplicated().any(), f"{export.mart}: a key occurs twice"
        assert (keys.apply(tuple, axis=1).tolist() == sorted(keys.apply(tuple, axis=1).tolist())), export.mart


def test_rows_carry_the_project_version_and_one_run_id(exported: Path) -> None:
    run_ids = set()
    for export in EXPORTS:
        frame = read_csv(exported / f"{export.mart}.csv")
        assert set(frame["model_version"]) == {PROJECT_VERSION}, export.mart
        run_ids |= set(frame["run_id"])
    assert len(run_ids) == 1 and "" not in run_ids


def test_a_second_export_is_byte_identical(small_build, exported: Path, tmp_path: Path) -> None:
    export_marts(small_build.db_path, tmp_path)
    for export in EXPORTS:
        name = f"{export.mart}.csv"
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes(), name


def test_price_clause_keeps_contract_terms(small_build, exported: Path) -> None:
    """Customers flagged in the raw file keep their terms: no condition record, and they are listed."""
    raw = read_csv(small_build.data_dir / "customers.csv")
    clause = raw[raw["has_price_clause"].str.lower() == "true"][["business_unit_id", "customer_id"]]
    assert len(clause) > 0, "the generator wrote no customer with a price clause"
    master = read_csv(exported / "erp_customer_master.csv")
    flagged = master[master["has_price_clause"] == "true"][["business_unit_id", "customer_id"]]
    conformed = clause.merge(master[["business_unit_id", "customer_id"]]).drop_duplicates()
    assert sorted(map(tuple, flagged.values)) == sorted(map(tuple, conformed.values))

    conditions = read_csv(exported / "erp_condition_records.csv")
    assert conditions.merge(clause).empty, "a customer with a price clause got a condition record"
    kept = small_build.query("select business_unit_id, customer_id from intermediate.int_pricing_contract_terms_kept")
    assert len(kept) > 0
    assert kept.merge(clause).shape[0] == len(kept), "a row was listed for a customer without a price clause"

    seed = read_csv(PRICING_SEED).set_index("pricing_tier")
    expected = conditions["pricing_tier"].map(seed["surcharge_percent"].astype(float))
    assert (conditions["condition_value"].astype(float) == expected).all()
    assert (conditions["condition_value"].astype(float) != 0).all()


def test_missing_database_is_named(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.duckdb"
    assert main(["export", "--out", str(tmp_path / "out"), "--db", str(missing)]) == 2
    assert f"No database at {missing}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_mart_is_named(tmp_path: Path) -> None:
    db_path = tmp_path / "partial.duckdb"
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.erp_customer_master (business_unit_id varchar, customer_id varchar)")
    with pytest.raises(ExportError) as error:
        export_marts(db_path, tmp_path / "out")
    message = str(error.value)
    assert "marts.erp_material_master" in message and "marts.erp_condition_records" in message
    assert "marts.erp_customer_master" not in message
    assert not (tmp_path / "out").exists()


# --- Lineage back to the raw files (doc block erp_exports) -----------------------------------


def erp_exports_doc() -> str:
    text = (PROJECT_DIR / "docs" / "policies_fulfilment.md").read_text()
    start = text.index("{% docs erp_exports %}")
    return text[start:text.index("{% enddocs %}", start)]


def latest_node(manifest: dict, name: str) -> str:
    """Unique id of the node an unpinned ref(name) resolves to (the latest version of a versioned mart)."""
    return next(
        uid for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] == name
        and (node.get("version") is None or str(node["version"]) == str(node.get("latest_version")))
    )


def upstream(manifest: dict, node: str) -> set[str]:
    seen: set[str] = set()
    todo = [node]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_docs_show_each_exports_lineage_back_to_the_raw_files(small_build) -> None:
    """Every raw file an export depends on (dbt's manifest) is named in bold in the doc block, and every model on
    the export's documented path is really upstream of it."""
    manifest = json.loads((small_build.db_path.parent / "target" / "manifest.json").read_text())
    doc = erp_exports_doc()
    named_files = set(re.findall(r"\*\*([a-z_]+)\*\*", doc))
    lines = doc.split("\n- ")
    for export in EXPORTS:
        node = latest_node(manifest, export.mart)
        parents = upstream(manifest, node)
        sources = {manifest["sources"][uid]["name"] for uid in parents if uid.startswith("source.")}
        assert len(sources) > 3, export.mart
        assert sources <= named_files, (export.mart, sources - named_files)
        path = next(line for line in lines if line.startswith(f"`{export.mart}` <-"))
        models = set(re.findall(r"`((?:stg|int)_[a-z_]+)`", path))
        assert models, export.mart
        parent_names = {uid.split(".")[-1] for uid in parents}
        assert models <= parent_names, (export.mart, models - parent_names)
