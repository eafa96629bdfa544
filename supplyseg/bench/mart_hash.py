"""Stable fingerprints of the public marts: the proof that a speed change left the results alone.

    python -m supplyseg.bench.mart_hash --db build/dev.duckdb --target-dir target --write FILE
    python -m supplyseg.bench.mart_hash --db build/dev.duckdb --target-dir target --check FILE

A fingerprint is, per public mart (``access: public``, materialized as a table, from the build's
``manifest.json``), the row count and an order-independent hash of its rows: the sum of the first
64 bits of each row's md5. Columns that change from run to run are left out: ``run_id``,
``model_version`` and timestamps whose name ends in ``_at`` (build and publish times). Doubles are
rounded to 6 decimals first, so the last bits of a parallel floating-point sum cannot make two equal
results differ. The raw folder's path (taken from ``fct_load_summary.source_file``) is replaced by
``<raw_path>`` in text columns, so the same files in another folder give the same fingerprint. The stored file also keeps the column list hashed per mart, so a mart that gains a
column is compared on the columns it had when the expectation was written.

``tests_py/test_mart_fingerprints.py`` compares the small build with
``tests_py/reference/mart_fingerprints_small.json``; ``make bench`` compares its 1M-line dataset (the
demo scale, seed 42) with ``docs/reference/mart_fingerprints_demo.json``. Both files were written
on the project before the issue-19 speed work.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb

from supplyseg.publish import public_tables

VOLATILE_COLUMNS = frozenset({"run_id", "model_version", "previous_run_id", "published_run_id"})
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
DECIMALS = 6


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _is_volatile(name: str, data_type: str) -> bool:
    if name in VOLATILE_COLUMNS:
        return True
    return name.endswith("_at") and data_type.upper().startswith("TIMESTAMP")


def _column_expression(name: str, data_type: str, raw_dir: str | None) -> str:
    if data_type.upper() in FLOAT_TYPES:
        return f"round({_quote(name)}, {DECIMALS})"
    if raw_dir is not None and data_type.upper() == "VARCHAR":
        return f"replace({_quote(name)}, $raw_dir, '<raw_path>')"
    return _quote(name)


def mart_relations(target_dir: Path) -> list[tuple[str, str]]:
    """(schema, table) of every public mart table in the build's manifest, sorted by table name."""
    manifest = json.loads((Path(target_dir) / "manifest.json").read_text())
    tables = [t for t in public_tables(manifest) if t.target_schema == "marts"]
    return sorted({(t.source_schema, t.name) for t in tables}, key=lambda pair: pair[1])


def fingerprint_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: list[str] | None = None,
    raw_dir: str | None = None,
) -> dict[str, Any]:
    """Row count and order-independent hash of one table (``columns`` fixes the columns hashed; ``raw_dir``
    is replaced by ``<raw_path>`` in text columns)."""
    described = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    types = {name: data_type for name, data_type in described}
    if columns is None:
        columns = [name for name, data_type in described if not _is_volatile(name, data_type)]
    missing = [name for name in columns if name not in types]
    if missing:
        return {"columns": columns, "rows": None, "hash": None, "missing_columns": missing}
    if not columns:
        rows = con.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}").fetchone()[0]
        return {"columns": [], "rows": int(rows), "hash": "0"}
    packed = ", ".join(f"{_quote(name)} := {_column_expression(name, types[name], raw_dir)}" for name in columns)
    sql = (
        "select count(*), coalesce(sum(('0x' || left(md5(cast(struct_pack("
        + packed
        + ") as varchar)), 16))::ubigint::hugeint), 0)"
        + f" from {_quote(schema)}.{_quote(table)}"
    )
    params = {"raw_dir": raw_dir} if raw_dir is not None and "$raw_dir" in packed else {}
    rows, total = con.execute(sql, params).fetchone()
    return {"columns": columns, "rows": int(rows), "hash": str(int(total) % (1 << 64))}


def raw_folder(con: duckdb.DuckDBPyConnection) -> str | None:
    """The folder the build read its raw files from (``var raw_path`` as the marts show it), or None."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'fct_load_summary'"
    ).fetchone()[0]
    if not found:
        return None
    row = con.execute(
        "select source_file from marts.fct_load_summary where source_file is not null order by source_file limit 1"
    ).fetchone()
    return str(Path(row[0]).parent) if row else None


def fingerprints(
    db_path: Path | str, target_dir: Path | str, expected: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Fingerprint of every public mart; with ``expected``, hash the columns it lists."""
    result: dict[str, dict[str, Any]] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        raw_dir = raw_folder(con)
        for schema, table in mart_relations(Path(target_dir)):
            columns = None
            if expected is not None and table in expected:
                columns = list(expected[table]["columns"])
            result[table] = fingerprint_table(con, schema, table, columns, raw_dir)
    return result


def compare(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """One line per mart that differs from the expectation (empty when all are identical)."""
    problems: list[str] = []
    for table, want in sorted(expected.items()):
        got = actual.get(table)
        if got is None:
            problems.append(f"{table}: missing from the build")
        elif got.get("missing_columns"):
            problems.append(f"{table}: columns {got['missing_columns']} are gone")
        elif (got["rows"], got["hash"]) != (want["rows"], want["hash"]):
            problems.append(
                f"{table}: {got['rows']} rows, hash {got['hash']}; expected {want['rows']} rows, hash {want['hash']}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="the built DuckDB file")
    parser.add_argument("--target-dir", required=True, type=Path, help="the build's dbt target folder")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, help="write the fingerprints to this JSON file")
    action.add_argument("--check", type=Path, help="compare with the fingerprints in this JSON file")
    args = parser.parse_args(argv)
    if args.write:
        result = fingerprints(args.db, args.target_dir)
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        print(f"{len(result)} marts fingerprinted into {args.write}")
        return 0
    expected = json.loads(args.check.read_text())
    problems = compare(fingerprints(args.db, args.target_dir, expected), expected)
    for line in problems:
        print(line)
    print(f"{len(expected) - len(problems)} of {len(expected)} marts identical to {args.check}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
