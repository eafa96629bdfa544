"""Publish and rollback (issue 18 section 1): readers see one whole run, failed builds publish nothing.

One module fixture plays a schedule on the small dataset:
- version 1 = the session's ``small_build`` (run A), published;
- two reader processes query the published version in a loop (one opens the current version for
  every read, one keeps its first connection) while a second build (run B: the marts layer and the
  governance impact models rebuilt into a copy of the working database, run id given, compared with
  version 1 through the vars of ``impact_build_vars``, which attach its file read-only while the
  readers hold it) runs and is published with keep=0, so the file of version 1 is deleted while the
  second reader still holds it;
- a build of the same layer (plus int_segment_assignments_final) in a copy of the project with a data
  test on int_segment_assignments_final that always fails; its publish must be refused.
Expected values come from the working databases and the files of the project (dbt_project.yml, the
mart SQL files), read independently of the publish module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import Build

from supplyseg.bench.publishing import (
    FAILING_LAYER,
    FAILING_TEST_PATH,
    MARTS_LAYER,
    check_current_whole,
    kill_publishes,
    latency_summary,
    project_copy_with_failing_test,
    run_dbt_in,
    start_reader,
    stop_reader,
)
from supplyseg.dbt_runner import PROJECT_DIR, run_dbt
from supplyseg.publish import (
    PUBLISH_COLUMNS,
    PublishRefused,
    ServingError,
    Version,
    _impact_summary,
    current_version,
    impact_build_vars,
    list_versions,
    open_current,
    publish,
    rollback,
)

pytestmark = pytest.mark.e2e

RUN_B = "publish-test-run-b"
KILL_SEED = 18
KILLS = 6
IMPACT_MODELS = "int_segment_impact_assessed*"


@dataclass(frozen=True)
class Served:
    work: Path
    serving: Path
    build_a: Build
    target_a: Path
    work_db_b: Path
    target_b: Path
    version_1: Version
    version_2: Version
    publish_seconds: float
    reader: dict[str, Any]
    holder: dict[str, Any]
    failing_db: Path
    failing_returncode: int
    failing_refusal: str


def _table(db_path: Path, relation: str) -> pd.DataFrame:
    """Every row of a relation of the working database, in a stable order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(f"select * from {relation} order by all").df()


@pytest.fixture(scope="module")
def served(small_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Served:
    import time

    work = tmp_path_factory.mktemp("publish")
    serving = work / "serving"
    target_a = small_build.db_path.parent / "target"
    version_1 = publish(small_build.db_path, serving, target_dir=target_a)

    work_db_b = work / "work_b.duckdb"
    shutil.copy(small_build.db_path, work_db_b)
    reader = start_reader(serving, work, "reader")
    holder = start_reader(serving, work, "holder", hold=True)
    try:
        time.sleep(3)  # both readers have read version 1 before the build starts
        build_b = run_dbt(["build", *MARTS_LAYER, IMPACT_MODELS], db_path=work_db_b, raw_path=small_build.data_dir,
                          target="ci", target_path=work / "target_b",
                          dbt_vars={"run_id": RUN_B, **impact_build_vars(serving)}, check=False)
        assert build_b.ok, f"build B failed while readers read the published version:\n{build_b.output[-4000:]}"
        started = time.monotonic()
        version_2 = publish(work_db_b, serving, target_dir=work / "target_b", keep=0)
        publish_seconds = time.monotonic() - started
        time.sleep(3)  # both readers read again after the switch
    finally:
        reader_result, holder_result = stop_reader(*reader), stop_reader(*holder)

    project = project_copy_with_failing_test(work / "project_failing")
    failing_db = work / "failing.duckdb"
    shutil.copy(small_build.db_path, failing_db)
    failing = run_dbt_in(project, ["build", *FAILING_LAYER], failing_db, small_build.data_dir, work / "target_failing")
    try:
        publish(failing_db, serving, target_dir=work / "target_failing")
        refusal = ""
    except PublishRefused as error:
        refusal = str(error)
    return Served(work, serving, small_build, target_a, work_db_b, work / "target_b", version_1, version_2,
                  publish_seconds, reader_result, holder_result, failing_db, failing.returncode, refusal)


def _run_id(db_path: Path) -> str:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql("select distinct run_id from marts.fct_segment_assignments").fetchall()[0][0]


def test_readers_see_one_whole_run_during_a_build_and_a_publish(served: Served) -> None:
    run_a = _run_id(served.build_a.db_path)
    for name, result in (("new connection per read", served.reader), ("held connection", served.holder)):
        print(f"read latency, {name}: {latency_summary(result['latencies'])}")
        assert result["reads"] > 10, f"{name}: the reader hardly read ({result['reads']} reads)"
        assert result["failures"] == [], f"{name}: failed reads {result['failures'][:5]}"
        assert result["mixed"] == [], f"{name}: reads saw a mix of runs or wrong counts {result['mixed'][:5]}"
    # The per-read reader saw the switch; the holder kept version 1 although its file was pruned (keep=0).
    assert served.reader["versions_seen"] == {"v000001": run_a, "v000002": RUN_B}
    assert served.holder["versions_seen"] == {"v000001": run_a}
    assert not served.version_1.path(served.serving).exists()


def test_a_build_failing_a_test_publishes_nothing(served: Served) -> None:
    assert served.failing_returncode != 0
    failing_test = Path(FAILING_TEST_PATH).stem
    assert failing_test in served.failing_refusal, served.failing_refusal
    assert "nothing was published" in served.failing_refusal
    assert [v.version_id for v in list_versions(served.serving)] == ["v000002"]
    assert current_version(served.serving).run_id == RUN_B
    # What a reader of the working database would have seen (why readers no longer open it): the
    # quarantine of the failed run beside the assignments of the previous one.
    with duckdb.connect(str(served.failing_db), read_only=True) as con:
        run_ids = {
            table: {r for (r,) in con.sql(f"select distinct run_id from marts.{table}").fetchall()}
            for table in ("fct_segment_assignments", "fct_quarantined_rows")
        }
    assert run_ids["fct_segment_assignments"] == {_run_id(served.build_a.db_path)}
    assert len(run_ids["fct_quarantined_rows"]) == 1
    assert run_ids["fct_segment_assignments"] != run_ids["fct_quarantined_rows"]


def test_published_rows_carry_run_id_model_version_and_publish_time(served: Served) -> None:
    model_version = str(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["version"])
    mart_files = {path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    with open_current(served.serving) as con:
        published = {
            (schema, table)
            for (schema, table) in con.sql(
                "select schema_name, table_name from duckdb_tables() where schema_name in ('marts', 'history')"
            ).fetchall()
        }
        assert {table for schema, table in published if schema == "marts"} == mart_files
        assert ("history", "segment_assignments") in published
        for schema, table in sorted(published):
            stamps = con.sql(
                f"select distinct published_run_id, model_version, strftime(published_at, '%Y-%m-%dT%H:%M:%S.%fZ')"
                f" from {schema}.{table}"
            ).fetchall()
            expected_rows = _table(served.work_db_b, f"{schema}.{table}")
            # A model may carry model_version itself (the ERP exports): publish keeps it rather than add it.
            added = tuple(column for column in PUBLISH_COLUMNS if column not in expected_rows.columns)
            got_rows = _table_from(con, f"{schema}.{table}", added)
            pd.testing.assert_frame_equal(got_rows, expected_rows, obj=f"{schema}.{table}")
            if len(expected_rows):
                assert stamps == [(RUN_B, model_version, served.version_2.published_at)], (table, stamps)
        assert {r for (r,) in con.sql("select distinct run_id from marts.fct_segment_assignments").fetchall()} == {RUN_B}


def _table_from(con: duckdb.DuckDBPyConnection, relation: str, drop: tuple[str, ...]) -> pd.DataFrame:
    """Every row of a published relation without the given columns, in a stable order."""
    return con.sql(f"select * exclude ({', '.join(drop)}) from {relation} order by all").df()


def test_publish_killed_at_random_points_leaves_the_version_whole(served: Served) -> None:
    serving = served.work / "serving_killed"
    publish(served.build_a.db_path, serving, target_dir=served.target_a)
    before = _table(served.build_a.db_path, "marts.fct_segment_assignments")
    outcomes = kill_publishes(served.work_db_b, serving, served.target_b, KILL_SEED, KILLS, served.publish_seconds)
    print("killed publishes:", json.dumps(outcomes))
    killed_midway = [o for o in outcomes if not o["finished_before_kill"]]
    assert killed_midway, "every publish finished before its kill; no kill point was inside a publish"
    for outcome in outcomes:
        assert outcome["after"] is not None
    assert check_current_whole(serving) == "whole"
    current = current_version(serving)
    with open_current(serving) as con:
        rows = _table_from(con, "marts.fct_segment_assignments", PUBLISH_COLUMNS)
    expected = before if current.run_id != RUN_B else _table(served.work_db_b, "marts.fct_segment_assignments")
    pd.testing.assert_frame_equal(rows, expected)
    # The next publish removes what the killed ones left behind.
    publish(served.work_db_b, serving, target_dir=served.target_b)
    kept_files = {version.file for version in list_versions(serving)}
    assert {path.name for path in (serving / "versions").iterdir()} == kept_files
    assert not [path for path in serving.iterdir() if path.name.startswith(".tmp-")]


def test_rollback_restores_the_previous_run_and_list_shows_versions(served: Served) -> None:
    serving = served.work / "serving_rollback"
    publish(served.build_a.db_path, serving, target_dir=served.target_a)
    publish(served.work_db_b, serving, target_dir=served.target_b)
    restored = rollback(serving)
    assert restored.version_id == "v000001"
    with open_current(serving) as con:
        rows = _table_from(con, "marts.fct_segment_assignments", PUBLISH_COLUMNS)
    pd.testing.assert_frame_equal(rows, _table(served.build_a.db_path, "marts.fct_segment_assignments"))
    with pytest.raises(ServingError, match="no earlier version"):
        rollback(serving)
    listing = subprocess.run(
        [sys.executable, "-m", "supplyseg.cli", "publish", "--list", "--serving-dir", str(serving)],
        capture_output=True, text=True, check=True,
    ).stdout
    lines = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in listing.splitlines()
             if "v00000" in line}
    assert set(lines) == {"v000001", "v000002"}
    assert lines["v000001"].startswith("*") and _run_id(served.build_a.db_path) in lines["v000001"]
    assert not lines["v000002"].startswith("*") and RUN_B in lines["v000002"]
    again = subprocess.run([sys.executable, "-m", "supplyseg.cli", "rollback", "--serving-dir", str(serving)],
                           capture_output=True, text=True)
    assert again.returncode == 1 and "no earlier version" in again.stderr


def test_publish_refuses_a_working_database_changed_after_its_build(served: Served) -> None:
    serving = served.work / "serving_stale"
    # target_b says run B built the marts, but failing.duckdb holds another run's marts.
    with pytest.raises(PublishRefused, match="not only publish-test-run-b"):
        publish(served.failing_db, serving, target_dir=served.target_b)
    assert current_version(serving) is None


def _impact_candidate(path: Path, rows: list[tuple[str, str, float, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.fct_segment_impact_summary (grain varchar, measure varchar, measure_unit varchar,"
                " measure_value double, current_published_run_id varchar)")
    if rows:
        con.executemany("insert into marts.fct_segment_impact_summary values (?, ?, 'entities', ?, ?)", rows)
    return con


def test_impact_summary_is_read_from_the_candidate_marts(tmp_path: Path) -> None:
    from supplyseg.publish import BuildInfo

    previous = {"file": "v000004.duckdb", "run_id": "run-4"}
    build = BuildInfo("run-5", "inv-5", "", "", "", (), (), impact_published_path="/s/versions/v000004.duckdb")
    rows = [("customer", "entities_moved", 3.0, "run-4"), ("product", "entities_moved", 5.0, "run-4"),
            ("product", "revenue_affected_rep_ccy", 1200.5, "run-4")]
    with _impact_candidate(tmp_path / "candidate.duckdb", rows) as con:
        summary = _impact_summary(con, build, previous)
        assert summary["entities_moved"] == 8
        assert summary["compared_with"] == "v000004.duckdb" and "note" not in summary
        assert [(m["grain"], m["measure"], m["measure_value"]) for m in summary["measures"]] == [
            (grain, measure, value) for grain, measure, value, _ in rows]
        # Compared with another version than the one replaced (a publish in between): kept, with a note.
        stale = _impact_summary(con, build, {"file": "v000005.duckdb", "run_id": "run-x"})
        assert "not against v000005.duckdb" in stale["note"]
        assert _impact_summary(con, build, None)["note"].startswith("first publish")
    with _impact_candidate(tmp_path / "uncompared.duckdb", []) as con:
        assert "not assessed" in _impact_summary(con, build, previous)["note"]


def test_impact_summary_is_kept_with_the_version(served: Served) -> None:
    impact = served.version_2.impact
    assert impact["compared_with"] == served.version_1.file
    assert impact["published_run_id"] == served.version_1.run_id
    # Oracle: entities per grain whose final segment or service tier differs between run A and run B, or
    # that are in one run only, from the two working databases.
    columns = ["grain", "entity_id", "final_segment_code", "final_service_tier"]
    a = _table(served.build_a.db_path, "marts.fct_segment_assignments")[columns]
    b = _table(served.work_db_b, "marts.fct_segment_assignments")[columns]
    both = a.merge(b, on=["grain", "entity_id"], how="outer", suffixes=("_a", "_b"), indicator=True)
    moved = (both["_merge"] != "both") | (both["final_segment_code_a"] != both["final_segment_code_b"]) | (
        both["final_service_tier_a"] != both["final_service_tier_b"])
    expected = {grain: int(moved[both["grain"] == grain].sum()) for grain in sorted(both["grain"].unique())}
    got = {m["grain"]: m["measure_value"] for m in impact["measures"] if m["measure"] == "entities_moved"}
    assert got == expected
    assert impact["entities_moved"] == sum(expected.values())
    assert current_version(served.serving).impact == impact
    with open_current(served.serving) as con:
        stored = con.sql("select grain, measure, measure_value, compared_with from publish.impact_by_grain"
                         " order by 1, 2").fetchall()
    assert stored == [(m["grain"], m["measure"], m["measure_value"], served.version_1.file)
                      for m in sorted(impact["measures"], key=lambda m: (m["grain"], m["measure"]))]
    listing = subprocess.run(
        [sys.executable, "-m", "supplyseg.cli", "publish", "--list", "--serving-dir", str(served.serving)],
        capture_output=True, text=True, check=True,
    ).stdout
    assert f"{impact['entities_moved']:,} moved vs v000001" in listing


def test_a_version_without_every_mart_is_not_compared_with(tmp_path: Path) -> None:
    serving = tmp_path / "serving"
    (serving / "versions").mkdir(parents=True)
    marts = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql"))
    with duckdb.connect(str(serving / "versions" / "v000001.duckdb")) as con:
        con.execute("create schema marts")
        for name in marts:
            con.execute(f"create table marts.{name} (x integer)")
    entry = {"version_id": "v000001", "file": "v000001.duckdb", "run_id": "r1", "model_version": "0.1.0",
             "published_at": "", "build_started_at": "", "build_finished_at": "", "git_commit": None}
    (serving / "current.json").write_text(json.dumps({"format": 1, "current": "v000001", "versions": [entry]}))
    assert impact_build_vars(serving) == {
        "impact_published_path": str((serving / "versions" / "v000001.duckdb").resolve()),
        "impact_published_database": "published",
    }
    with duckdb.connect(str(serving / "versions" / "v000001.duckdb")) as con:
        con.execute(f"drop table marts.{marts[0]}")
    said: list[str] = []
    assert impact_build_vars(serving, progress=said.append) == {}
    assert marts[0] in said[0] and "older project version" in said[0]
