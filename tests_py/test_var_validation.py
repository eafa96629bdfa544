"""Vars are checked once, before anything runs, and never reach SQL as raw text.

Every var of dbt_project.yml has a spec in macros/vars/var_specs.sql; the on-run-start hook
validate_vars() checks them all before register_raw_inputs and before any model. A bad var must
stop the run with a message naming the var, its value and what is allowed, and no model may run.
Injection payloads (a crafted reference_date that once wrote a mart to a file and created a table)
must run no SQL at all: the file and the table must not exist afterwards.

The bad-var runs go against a copy of the session's small build, so "nothing ran" can also be read
from the database: its tables are the same before and after.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import Build
from supplyseg.dbt_runner import PROJECT_DIR, run_dbt

SPEC_FILE = PROJECT_DIR / "macros" / "vars" / "var_specs.sql"
SPEC_TYPES = {"integer", "number", "text", "date", "boolean", "list"}
# dbt prints "START sql table model ..." (or view, seed, test) for every node it runs.
NODE_STARTED = re.compile(r"\bSTART (sql|seed|test|snapshot|unit_test)\b")


def read_var_specs() -> dict:
    """The YAML block of var_specs(), parsed: {var name: spec}."""
    text = SPEC_FILE.read_text()
    block = re.search(r"\{%- set specs_yaml -%\}(.*?)\{%- endset -%\}", text, re.DOTALL)
    assert block, "var_specs.sql must keep its specs in one {% set specs_yaml %} block"
    return yaml.safe_load(block.group(1))


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def test_every_project_var_has_exactly_one_spec() -> None:
    specs = read_var_specs()
    declared = project_vars()
    assert set(declared) - set(specs) == set(), "vars without a spec in macros/vars/var_specs.sql"
    assert set(specs) - set(declared) == set(), "specs of vars that dbt_project.yml does not declare"
    for name, spec in specs.items():
        assert spec["type"] in SPEC_TYPES, name
        if spec["type"] == "list" or "allowed" in spec:
            assert spec.get("allowed"), name


def test_on_run_start_checks_vars_before_the_input_contract() -> None:
    hooks = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["on-run-start"]
    assert [hook.split("(")[0].strip("{ ") for hook in hooks][:2] == ["validate_vars", "register_raw_inputs"]


def test_no_var_is_pasted_into_sql_text() -> None:
    """var() is read in Jinja only (comparisons, loops); SQL gets sql_text_var / sql_number_var."""
    pasted = re.compile(
        r"""'[^'\n]*\{\{\s*var\(|"cast\('"\s*~\s*var\(|\{\{\s*var\([^)]*\)\s*(\|\s*(int|float))?\s*\}\}"""
    )
    offenders = []
    for folder in ("models", "macros", "tests", "snapshots", "analyses"):
        for path in sorted((PROJECT_DIR / folder).rglob("*.sql")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if pasted.search(line) or re.search(r"var\([^)]*\)\s*\|\s*(int|float)", line):
                    offenders.append(f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.fixture(scope="module")
def bad_var_db(small_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the good small build that the bad-var runs point at."""
    work = tmp_path_factory.mktemp("bad_vars")
    db_path = work / "bad_vars.duckdb"
    shutil.copy(small_build.db_path, db_path)
    return db_path


def _tables(db_path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.sql("select table_schema, table_name from information_schema.tables").fetchall()
    return set(rows)


def _reference_date_row(db_path: Path) -> tuple:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("select * from intermediate.int_reference_date").fetchone()


e2e = pytest.mark.e2e

# Section 5 of the issue, one case per named bad var: (var, value, the allowed values the message must state).
BAD_VARS = [
    ("reference_date", "2025-02-30", "ISO date"),
    ("reference_date", "last year", "ISO date"),
    ("reporting_currency", "EUR' or 'x'='x", "[A-Z]{3}"),
    ("demand_period", "quarter", "month, week"),
    ("new_entity_provisional_xyz_class", "Z' || 'Y", "[A-Z]"),
    ("short_lead_time_days", "7 or true", "whole number from 0 to 365"),
    ("short_lead_time_days", 7.5, "whole number from 0 to 365"),
    ("static_review_value_change_threshold", "0.25 or 1 = 1", "number from 0 to 1000"),
    ("data_capability_min_coverage_share", 1.5, "number from 0 to 1"),
    ("outlier_multiplier", "abc", "number above 0"),
    ("segmentation_grains", "customer", "non-empty list"),
    ("outlier_exclude_from_value", "no", "true or false"),
]


@e2e
@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VARS, ids=[f"{n}={v}" for n, v, _ in BAD_VARS])
def test_a_bad_var_stops_the_run_before_any_model(bad_var_db: Path, small_data: Path, tmp_path: Path,
                                                  name: str, value: object, allowed: str) -> None:
    before = _reference_date_row(bad_var_db)
    result = run_dbt(
        ["run", "--select", "int_reference_date"], db_path=bad_var_db, raw_path=small_data, target="ci",
        target_path=tmp_path / "target", dbt_vars={name: value}, check=False,
    )
    assert not result.ok
    assert "Invalid vars, nothing was run" in result.output
    line = next(text for text in result.output.splitlines() if text.strip().startswith(f"- {name} = "))
    assert str(value) in line and allowed in line, line
    assert not NODE_STARTED.search(result.output), "a node ran although a var was bad"
    assert _reference_date_row(bad_var_db) == before


@e2e
def test_all_bad_vars_are_reported_together(bad_var_db: Path, small_data: Path, tmp_path: Path) -> None:
    bad = {name: value for name, value, _ in BAD_VARS}
    result = run_dbt(
        ["build"], db_path=bad_var_db, raw_path=small_data, target="ci",
        target_path=tmp_path / "target", dbt_vars=bad, check=False,
    )
    assert not result.ok
    named = {m.group(1) for m in re.finditer(r"^\s*- ([a-z_]+) = ", result.output, re.MULTILINE)}
    assert named == set(bad)
    assert not NODE_STARTED.search(result.output)


def _injections(out_dir: Path) -> list[tuple[str, str, str]]:
    """(var, payload, what it would leave behind: a file path or schema.table)."""
    target_file = out_dir / "injected.csv"
    return [
        ("reference_date", f"2025-12-31' as date); copy (select 1) to '{target_file}'; --", str(target_file)),
        ("reference_date", "2025-12-31' as date); create table main.injected_ref as select 1 as x; --",
         "main.injected_ref"),
        ("reporting_currency", "EUR'; create table main.injected_ccy as select 1 as x; --", "main.injected_ccy"),
        ("new_entity_provisional_xyz_class", "Z'; copy (select 1) to '" + str(target_file) + "'; --",
         str(target_file)),
        ("short_lead_time_days", "7; create table main.injected_lead as select 1 as x; --", "main.injected_lead"),
        ("run_id", "r'; create table main.injected_run as select 1 as x; --", "main.injected_run"),
    ]


# Every payload against dbt build; the two reference_date payloads also against dbt compile (which runs no
# hooks: the macros that render vars check them again) and dbt source freshness (whose loaded_at_field
# reads reference_date).
COMPILE = ["compile", "--select", "+int_segment_assignments_algorithmic", "+fct_load_summary"]
INJECTION_RUNS = [(["build"], case) for case in range(6)] + [
    (COMPILE, 0), (COMPILE, 1), (["source", "freshness"], 0), (["source", "freshness"], 1),
]
INJECTION_IDS = [
    f"{command[0]}-{name}"
    for command, name in zip(
        [run[0] for run in INJECTION_RUNS],
        ["reference_date-copy-to-file", "reference_date-create-table", "reporting_currency-create-table",
         "xyz_class-copy-to-file", "short_lead_time_days-create-table", "run_id-create-table",
         "reference_date-copy-to-file", "reference_date-create-table",
         "reference_date-copy-to-file", "reference_date-create-table"],
    )
]


@e2e
@pytest.mark.parametrize(("command", "case"), INJECTION_RUNS, ids=INJECTION_IDS)
def test_injection_payloads_run_no_sql(bad_var_db: Path, small_data: Path, tmp_path: Path,
                                       command: list[str], case: int) -> None:
    """The payload's file or table does not exist afterwards, and the database is unchanged."""
    name, payload, leftover = _injections(tmp_path)[case]
    tables_before = _tables(bad_var_db)
    result = run_dbt(
        command, db_path=bad_var_db, raw_path=small_data, target="ci",
        target_path=tmp_path / "target", dbt_vars={name: payload}, check=False,
    )
    assert not result.ok, result.output[-3000:]
    assert f"{name} = " in result.output
    assert not NODE_STARTED.search(result.output)
    if leftover.startswith("/"):
        assert not Path(leftover).exists()
    else:
        schema, table = leftover.split(".")
        assert (schema, table) not in _tables(bad_var_db)
    assert _tables(bad_var_db) == tables_before


@e2e
def test_good_vars_given_as_text_still_build(bad_var_db: Path, small_data: Path, tmp_path: Path) -> None:
    """Numbers and booleans written as text ("7", "false") and an explicit date are accepted and used."""
    result = run_dbt(
        ["run", "--select", "int_reference_date"], db_path=bad_var_db, raw_path=small_data, target="ci",
        target_path=tmp_path / "target",
        dbt_vars={"short_lead_time_days": "7", "outlier_exclude_from_value": "false", "reference_date": "2025-06-30"},
        check=False,
    )
    assert result.ok, result.output[-3000:]
    row = _reference_date_row(bad_var_db)
    assert str(row[0]) == "2025-06-30" and row[1] == "var reference_date"
