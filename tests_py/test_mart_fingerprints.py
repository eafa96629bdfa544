"""The public marts of the small build are identical to the fingerprints stored before the issue-19 speed
work (tests_py/reference/mart_fingerprints_small.json, written by supplyseg.bench.mart_hash on commit
d4555d2): every speed change must leave every row of every public mart as it was.

When a change is meant to alter results, rewrite the expectation on purpose and say why in the commit:
    python -m supplyseg.bench.mart_hash --db DB --target-dir TARGET --write tests_py/reference/mart_fingerprints_small.json
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from supplyseg.bench import mart_hash

EXPECTED = Path(__file__).parent / "reference" / "mart_fingerprints_small.json"


@pytest.mark.e2e
def test_public_marts_identical_to_the_stored_fingerprints(small_build) -> None:
    expected = json.loads(EXPECTED.read_text())
    actual = mart_hash.fingerprints(small_build.db_path, small_build.db_path.parent / "target", expected)
    assert set(actual) >= set(expected), f"public marts gone: {sorted(set(expected) - set(actual))}"
    problems = mart_hash.compare(actual, expected)
    assert not problems, "marts changed since the stored fingerprints:\n" + "\n".join(problems)
    assert sum(entry["rows"] for entry in actual.values()) > 0


def test_fingerprint_sees_one_changed_value_and_ignores_row_order_and_run_ids() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.t as select range as entity_id, (range / 10)::double as measure, 'run-a' as run_id,"
        " now()::timestamp as built_at from range(1000)"
    )
    base = mart_hash.fingerprint_table(con, "marts", "t")
    assert base["columns"] == ["entity_id", "measure"]
    con.execute(
        "create or replace table marts.t as select * replace ('run-b' as run_id) from marts.t order by entity_id desc"
    )
    assert mart_hash.fingerprint_table(con, "marts", "t") == base
    con.execute("update marts.t set measure = measure + 0.001 where entity_id = 500")
    changed = mart_hash.fingerprint_table(con, "marts", "t")
    assert changed["rows"] == base["rows"] and changed["hash"] != base["hash"]
    assert mart_hash.compare({"t": changed}, {"t": base}) == [
        f"t: 1000 rows, hash {changed['hash']}; expected 1000 rows, hash {base['hash']}"
    ]
    con.execute("insert into marts.t select * from marts.t where entity_id = 1")
    assert mart_hash.fingerprint_table(con, "marts", "t")["rows"] == 1001
    assert mart_hash.compare({"t": {"columns": ["x"], "rows": None, "hash": None, "missing_columns": ["x"]}},
                             {"t": base}) == ["t: columns ['x'] are gone"]


def test_fingerprint_ignores_the_raw_folder_path() -> None:
    def build(folder: str) -> dict:
        con = duckdb.connect()
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_load_summary as select 'order_lines' as entity,"
            f" '{folder}/order_lines.csv' as source_file, 10 as rows_read"
        )
        return mart_hash.fingerprint_table(con, "marts", "fct_load_summary", raw_dir=mart_hash.raw_folder(con))

    assert build("/tmp/a/raw") == build("/data/other/raw")
    assert build("/tmp/a/raw")["hash"] != mart_hash.fingerprint_table(
        _one_row_table("/tmp/a/raw/order_lines.csv"), "marts", "fct_load_summary")["hash"]


def _one_row_table(source_file: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_load_summary as select 'order_lines' as entity, ? as source_file, 10 as rows_read",
        [source_file],
    )
    return con
