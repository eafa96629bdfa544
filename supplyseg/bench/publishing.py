"""Measure what readers see with and without the publish step (results in docs/publishing.md).

    python -m supplyseg.bench.publishing --data /tmp/small --out /tmp/bench_publishing

Before (readers open the working database, as BI tools did):
  1. a reader holding a read-only connection while ``dbt build`` starts;
  2. a build whose data test on int_segment_assignments_final fails (a failing singular test is added
     to a copy of the project; the quality marts are built before it, the segment marts after it):
     run ids left in the marts;
  3. a build killed with SIGKILL right after the fourth mart was created: run ids left in the marts.
After (readers open the published version only):
  4. a reader process queries the current published version in a loop during a full build and a
     publish: reads, failures, reads that saw more than one run id, latency;
  5. the failing build of 2 is not published; publishes killed with SIGKILL at seeded random moments
     leave the current version whole.

The reader loop (``read_published``) and the project copy with a failing test
(``project_copy_with_failing_test``) are reused by tests_py/test_publish.py.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from supplyseg.dbt_runner import PROJECT_DIR, dbt_executable, run_dbt
from supplyseg.publish import PublishRefused, ServingError, current_version, open_current, publish

NOT_COPIED = (".venv", ".git", "target", "logs", "build", "data", ".pytest_cache", "__pycache__", "dbt_packages")
FAILING_TEST_PATH = "tests/segmentation/assert_deliberately_failing_for_publish_measurement.sql"
FAILING_TEST_SQL = """-- Added only to a copy of the project by supplyseg/bench/publishing.py and tests_py/test_publish.py:
-- fails whenever int_segment_assignments_final has rows: a data test that fails after the quality marts
-- were built and before the segment marts (which read that model) are.
select grain, entity_id from {{ ref('int_segment_assignments_final') }}
"""
MARTS_LAYER = ["--select", "path:models/marts", "path:snapshots"]
FAILING_LAYER = [*MARTS_LAYER, "int_segment_assignments_final"]


def project_copy_with_failing_test(destination: Path) -> Path:
    """A copy of the project with a singular data test on fct_segment_assignments that always fails."""
    shutil.copytree(PROJECT_DIR, destination, ignore=shutil.ignore_patterns(*NOT_COPIED))
    (destination / FAILING_TEST_PATH).write_text(FAILING_TEST_SQL)
    return destination


def run_dbt_in(project_dir: Path, command: list[str], db_path: Path, raw_path: Path, target_path: Path) -> subprocess.CompletedProcess:
    """dbt in another project folder (a copy), writing to db_path."""
    env = dict(os.environ, SUPPLYSEG_DB_PATH=str(db_path), DBT_SEND_ANONYMOUS_USAGE_STATS="False")
    args = [dbt_executable(), *command, "--target", "ci", "--vars", json.dumps({"raw_path": str(raw_path)}),
            "--target-path", str(target_path), "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    return subprocess.run(args, cwd=project_dir, env=env, capture_output=True, text=True, check=False)


def mart_run_ids(db_path: Path) -> dict[str, list[str]]:
    """Distinct run ids per table of schema marts (read-only)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
        return {
            table: sorted(r for (r,) in con.execute(f'select distinct run_id from marts."{table}"').fetchall())
            for table in tables
        }


# ---------------------------------------------------------------------------------------------------
# The reader loop (a separate process)


def read_published(serving_dir: str, stop_file: str, result_file: str, hold: bool = False) -> None:
    """Query the current published version until stop_file exists; write the outcome to result_file.

    Each read opens the current version (or, with ``hold``, keeps the first connection for every
    read), reads the run ids of every table that one run rebuilds whole (publish.tables,
    materialized = 'table') and the row counts, and records a failure when anything raises, more
    than one run id is seen, or a row count differs from the version's own metadata.
    """
    latencies: list[float] = []
    failures: list[str] = []
    mixed: list[str] = []
    versions_seen: dict[str, str] = {}
    held = None
    while not os.path.exists(stop_file):
        started = time.perf_counter()
        try:
            con = held or open_current(serving_dir)
            tables = con.execute(
                "select table_schema, table_name, row_count from publish.tables where materialized = 'table'"
            ).fetchall()
            run_ids: set[str] = set()
            for schema, table, row_count in tables:
                rows = con.execute(
                    f'select count(*), list(distinct published_run_id), list(distinct run_id) from "{schema}"."{table}"'
                ).fetchone()
                run_ids.update(rows[1] or [])
                run_ids.update(rows[2] or [])
                if rows[0] != row_count:
                    mixed.append(f"{table}: {rows[0]} rows, metadata says {row_count}")
            version_id, version_run = con.execute("select version_id, run_id from publish.version").fetchone()
            if run_ids - {version_run} or len(run_ids) > 1:
                mixed.append(f"{version_id}: run ids {sorted(run_ids)}")
            versions_seen[version_id] = version_run
            if hold:
                held = con
            else:
                con.close()
        except (duckdb.Error, ServingError, OSError) as error:
            failures.append(f"{type(error).__name__}: {error}")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.01)
    Path(result_file).write_text(json.dumps(
        {"reads": len(latencies), "failures": failures, "mixed": mixed, "latencies": latencies,
         "versions_seen": versions_seen}
    ))


def start_reader(serving_dir: Path, work: Path, name: str, hold: bool = False) -> tuple[multiprocessing.Process, Path, Path]:
    stop_file, result_file = work / f"{name}.stop", work / f"{name}.json"
    stop_file.unlink(missing_ok=True)
    process = multiprocessing.get_context("spawn").Process(
        target=read_published, args=(str(serving_dir), str(stop_file), str(result_file), hold),
        daemon=True,  # ended with its parent if that fails before stop_reader
    )
    process.start()
    return process, stop_file, result_file


def stop_reader(process: multiprocessing.Process, stop_file: Path, result_file: Path) -> dict[str, Any]:
    stop_file.write_text("stop")
    process.join(timeout=120)
    return json.loads(result_file.read_text())


def latency_summary(latencies: list[float]) -> str:
    ms = sorted(1000 * value for value in latencies)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms over {len(ms)} reads"


def publish_in_subprocess(work_db: Path, serving_dir: Path, target_dir: Path) -> subprocess.Popen:
    code = ("import sys; from supplyseg.publish import publish; "
            "publish(sys.argv[1], sys.argv[2], target_dir=sys.argv[3])")
    return subprocess.Popen([sys.executable, "-c", code, str(work_db), str(serving_dir), str(target_dir)])


def kill_publishes(work_db: Path, serving_dir: Path, target_dir: Path, seed: int, kills: int, duration: float) -> list[dict]:
    """Start publishes and SIGKILL each at a seeded random moment within ``duration`` seconds."""
    rng = random.Random(seed)
    outcomes = []
    for _ in range(kills):
        before = current_version(serving_dir)
        delay = rng.uniform(0.0, duration)
        process = publish_in_subprocess(work_db, serving_dir, target_dir)
        time.sleep(delay)
        finished_before_kill = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = current_version(serving_dir)
        outcomes.append({"delay_s": round(delay, 3), "finished_before_kill": finished_before_kill,
                         "before": before.version_id if before else None, "after": after.version_id if after else None})
    return outcomes


def check_current_whole(serving_dir: Path) -> str:
    """'whole' when the current version has one run id everywhere and the row counts of its metadata."""
    version = current_version(serving_dir)
    with open_current(serving_dir) as con:
        for (schema, table, row_count, materialized) in con.execute(
            "select table_schema, table_name, row_count, materialized from publish.tables").fetchall():
            count, published = con.execute(
                f'select count(*), list(distinct published_run_id) from "{schema}"."{table}"').fetchone()
            if count != row_count or (count and published != [version.run_id]):
                return f"NOT whole: {table} {count} rows (metadata {row_count}), published run ids {published}"
            if count != version.row_counts[f"{schema}.{table}"]:
                return f"NOT whole: {table} row count differs from the pointer file"
    return "whole"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="raw input folder (e.g. the small dataset)")
    parser.add_argument("--out", required=True, type=Path, help="work folder (emptied first)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work_db, serving = out / "work.duckdb", out / "serving"

    print("== full build 1", flush=True)
    started = time.monotonic()
    run_dbt(["build"], db_path=work_db, raw_path=args.data, target="ci", target_path=out / "target1")
    print(f"build 1: {time.monotonic() - started:.0f} s", flush=True)

    print("== before 1: a read-only reader open on the working database while a build starts")
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); time.sleep(600)",
                               str(work_db)])
    time.sleep(2)
    blocked = run_dbt(["build", "--select", "fct_data_capabilities"], db_path=work_db, raw_path=args.data,
                      target="ci", target_path=out / "target_blocked", check=False)
    holder.kill()
    holder.wait()
    lock_lines = [line.strip() for line in blocked.output.splitlines() if "lock" in line.lower()]
    print(f"exit code {blocked.returncode}; traceback: {'Traceback' in blocked.output}; first lock line: "
          f"{lock_lines[0][:300] if lock_lines else None}")

    print("== before 2: a build whose data test on int_segment_assignments_final fails (marts layer + that model)")
    failing_project = project_copy_with_failing_test(out / "project_failing")
    failing_db = out / "failing.duckdb"
    shutil.copy(work_db, failing_db)
    failed = run_dbt_in(failing_project, ["build", *FAILING_LAYER], failing_db, args.data.resolve(), out / "target_failing")
    print(f"exit code {failed.returncode}; run ids per mart afterwards:")
    for table, run_ids in mart_run_ids(failing_db).items():
        print(f"  {table:<28} {run_ids}")

    print("== before 3: a marts-layer build killed with SIGKILL after the fourth mart")
    killed_db = out / "killed.duckdb"
    shutil.copy(work_db, killed_db)
    env = dict(os.environ, SUPPLYSEG_DB_PATH=str(killed_db), DBT_SEND_ANONYMOUS_USAGE_STATS="False")
    command = [dbt_executable(), "build", *MARTS_LAYER, "--target", "ci", "--vars",
               json.dumps({"raw_path": str(args.data.resolve())}), "--target-path", str(out / "target_killed")]
    marts_created = 0
    with subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if "OK created" in line and " model marts." in line:
                marts_created += 1
                if marts_created == 4:
                    process.send_signal(signal.SIGKILL)
                    break
        process.wait()
    for table, run_ids in mart_run_ids(killed_db).items():
        print(f"  {table:<28} {run_ids}")

    print("== after 4: reader process on the published version during a full build and a publish")
    publish(work_db, serving, target_dir=out / "target1")
    reader, stop_file, result_file = start_reader(serving, out, "reader")
    holder_reader, holder_stop, holder_result = start_reader(serving, out, "holder", hold=True)
    time.sleep(2)
    started = time.monotonic()
    build2 = run_dbt(["build"], db_path=work_db, raw_path=args.data, target="ci", target_path=out / "target2",
                     check=False)
    print(f"build 2 with readers on the published version: exit code {build2.returncode}, "
          f"{time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    version2 = publish(work_db, serving, target_dir=out / "target2")
    publish_seconds = time.monotonic() - started
    print(f"publish: {publish_seconds:.1f} s -> {version2.version_id}; impact {json.dumps(version2.impact)}")
    time.sleep(2)
    for name, result in (("reader (new connection per read)", stop_reader(reader, stop_file, result_file)),
                         ("reader holding one connection", stop_reader(holder_reader, holder_stop, holder_result))):
        print(f"{name}: {result['reads']} reads, {len(result['failures'])} failed, {len(result['mixed'])} saw a mix;"
              f" versions seen {result['versions_seen']}; {latency_summary(result['latencies'])}")
        for problem in (result["failures"] + result["mixed"])[:5]:
            print(f"   {problem}")

    print("== after 5: the failing build is not published; killed publishes leave the version whole")
    try:
        publish(failing_db, serving, target_dir=out / "target_failing")
        print("failing build: PUBLISHED (wrong)")
    except PublishRefused as error:
        print(f"failing build refused: {str(error).splitlines()[0][:200]} ...")
    print(f"current: {current_version(serving).version_id}")
    outcomes = kill_publishes(work_db, serving, out / "target2", args.seed, kills=8, duration=publish_seconds + 1.0)
    for outcome in outcomes:
        print(f"  {outcome}")
    print(f"current after the killed publishes: {current_version(serving).version_id}, {check_current_whole(serving)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
