"""The nightly-flow benchmark beside a pandas baseline (``make bench``; results in docs/benchmarks.md).

    python -m supplyseg.bench.run                       # 100k, 1M, 10M and the 1M thin CSV
    python -m supplyseg.bench.run --datasets 100k       # one dataset (the test suite runs this one)

For each dataset, with progress printed as it goes:
  1. the generator writes it once into the cache folder (``--cache-dir``, default build/bench/data) and
     later runs reuse it (its ``_truth/summary.json`` records scale, seed, profile and format);
  2. a clean ``dbt build`` into a new DuckDB file, then ``supplyseg publish`` into a new serving folder,
     each timed as a subprocess, with the peak resident memory of the whole process tree sampled from
     /proc every 0.1 s;
  3. the ten slowest models and tests (``run_results.json``), the database size, and the time of the
     classification path (every model and the raw load upstream of the ABC and XYZ models, summed);
  4. the pandas baseline and the single DuckDB script (supplyseg.bench.baseline_pandas and
     baseline_duckdb), each in its own subprocess on the same raw files, timed and measured the same way;
  5. the agreement of both baselines' classes with the marts (>= 99.9 % required per grain and field);
  6. on the 1M dataset (the demo scale, seed 42), the fingerprints of the public marts against the
     expectation stored before the speed work (docs/reference/mart_fingerprints_demo.json).

The nightly build runs the data tests and leaves the dbt unit tests to CI (``make test``), as dbt
advises for production runs: ``dbt build --exclude-resource-type unit_test``. Their time on the dataset
is reported on its own line. The DuckDB limits come from the profile's environment variables
(SUPPLYSEG_DUCKDB_MEMORY_LIMIT, SUPPLYSEG_DUCKDB_THREADS, SUPPLYSEG_DUCKDB_TEMP_DIR,
SUPPLYSEG_DBT_THREADS); the report prints the values used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from supplyseg.bench import mart_hash
from supplyseg.dbt_runner import PROJECT_DIR, dbt_executable

REQUIRED_AGREEMENT = 0.999
DEMO_FINGERPRINTS = PROJECT_DIR / "docs" / "reference" / "mart_fingerprints_demo.json"
CLASSIFICATION_MODELS = ("int_segment_entities_abc_classified", "int_segment_entities_variability_classified")
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test"]
RESOURCE_ENV = (
    ("SUPPLYSEG_DUCKDB_MEMORY_LIMIT", "3GB"),
    ("SUPPLYSEG_DUCKDB_THREADS", "2"),
    ("SUPPLYSEG_DUCKDB_TEMP_DIR", "<database file>.tmp"),
    ("SUPPLYSEG_DBT_THREADS", "2"),
)


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: a generator scale, profile and file format."""

    key: str
    scale: str
    profile: str
    fmt: str
    seed: int = 42
    check_fingerprints: bool = False

    @property
    def label(self) -> str:
        return f"{self.key} ({self.scale} scale, {self.profile} profile, {self.fmt})"


DATASETS: dict[str, Dataset] = {
    "100k": Dataset("100k", "medium", "full", "parquet"),
    "1m": Dataset("1m", "demo", "full", "parquet", check_fingerprints=True),
    "10m": Dataset("10m", "large", "full", "parquet"),
    "1m-thin-csv": Dataset("1m-thin-csv", "extract", "thin", "csv"),
}


@dataclass
class Measured:
    """A timed subprocess: wall seconds, peak RSS of its process tree, exit code and output."""

    seconds: float
    peak_rss_bytes: int
    returncode: int
    output: str


@dataclass
class DatasetResult:
    """Everything measured on one dataset."""

    dataset: Dataset
    order_lines: int
    build: Measured
    publish: Measured
    database_bytes: int
    slowest: list[tuple[str, float]]
    classification_seconds: float
    unit_test_seconds: float | None
    node_count: int
    pandas: Measured
    duckdb: Measured
    agreement_pandas: pd.DataFrame
    agreement_duckdb: pd.DataFrame
    fingerprint_problems: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    run_seconds: float | None = None  # dbt's own elapsed time (run_results.json): the build after parsing
    model_seconds: float = 0.0  # execution times of models, snapshots, seeds and hooks, summed
    test_seconds: float = 0.0  # execution times of data tests, summed

    @property
    def agreement_ok(self) -> bool:
        return bool(
            (self.agreement_pandas["share"] >= REQUIRED_AGREEMENT).all()
            and (self.agreement_duckdb["share"] >= REQUIRED_AGREEMENT).all()
        )


# --- process-tree memory ---------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (Linux /proc)."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_bytes(pid)
        stack.extend(children.get(pid, []))
    return total


def run_measured(
    args: list[str], env: dict[str, str] | None = None, on_line: Callable[[str], None] | None = None
) -> Measured:
    """Run a command, sampling the RSS of its process tree every 0.1 s; returns time, peak and output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    lines: list[str] = []
    peak = 0
    start = time.perf_counter()
    with subprocess.Popen(
        args, cwd=PROJECT_DIR, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line)
        process.wait()
        done.set()
        sampler.join()
    return Measured(time.perf_counter() - start, peak, process.returncode, "".join(lines))


# --- data --------------------------------------------------------------------------------------------


def ensure_dataset(dataset: Dataset, cache_dir: Path, say: Callable[[str], None]) -> Path:
    """The dataset's raw folder, generated only when the cache does not hold it yet."""
    folder = cache_dir / dataset.key
    summary_path = folder / "_truth" / "summary.json"
    wanted = {"scale": dataset.scale, "seed": dataset.seed, "profile": dataset.profile, "format": dataset.fmt}
    if summary_path.exists():
        summary = json.loads(summary_path.read_text())
        if all(summary.get(key) == value for key, value in wanted.items()):
            say(f"  data: cached in {folder} ({summary['files']['order_lines']:,} order lines)")
            return folder
    if folder.exists():
        shutil.rmtree(folder)
    say(f"  data: generating {dataset.label} into {folder} ...")
    start = time.perf_counter()
    from supplyseg.demo_data import generate

    generate(dataset.scale, dataset.seed, folder, fmt=dataset.fmt, profile=dataset.profile)
    say(f"  data: written in {time.perf_counter() - start:.1f} s")
    return folder


def order_line_count(raw_dir: Path) -> int:
    return int(json.loads((raw_dir / "_truth" / "summary.json").read_text())["files"]["order_lines"])


# --- run_results -------------------------------------------------------------------------------------


def _short_name(unique_id: str) -> str:
    kind, _project, *rest = unique_id.split(".")
    name = ".".join(rest)
    if kind == "test" and "." in name:
        name = name.rsplit(".", 1)[0]  # drop the test's hash suffix
    return f"{kind} {name}"


def slowest_nodes(run_results: dict[str, Any], count: int = 10) -> list[tuple[str, float]]:
    """The ``count`` slowest models, tests, snapshots and hooks of a run."""
    results = sorted(run_results["results"], key=lambda result: -result["execution_time"])
    return [(_short_name(result["unique_id"]), float(result["execution_time"])) for result in results[:count]]


def classification_path_seconds(manifest: dict[str, Any], run_results: dict[str, Any]) -> float:
    """Summed execution time of the ABC and XYZ models and every model upstream of them, plus the
    on-run-start hooks that load the raw files (the work the pandas baseline does)."""
    parent_map: dict[str, list[str]] = manifest["parent_map"]
    wanted = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node.get("resource_type") == "model" and node["name"] in CLASSIFICATION_MODELS
    }
    stack = list(wanted)
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent.startswith("model.") and parent not in wanted:
                wanted.add(parent)
                stack.append(parent)
    total = 0.0
    for result in run_results["results"]:
        unique_id = result["unique_id"]
        if unique_id in wanted or (unique_id.startswith("operation.") and "on-run-start" in unique_id):
            total += float(result["execution_time"])
    return total


# --- one dataset -------------------------------------------------------------------------------------


def _python_step(module: str, raw_dir: Path, out_file: Path, threads: int) -> list[str]:
    return [sys.executable, "-m", "supplyseg.bench.baseline_step", module, str(raw_dir), str(out_file), str(threads)]


def _progress_filter(say: Callable[[str], None], every: int = 100) -> Callable[[str], None]:
    """Pass dbt's numbered progress lines through every ``every`` nodes, and every error."""

    def on_line(line: str) -> None:
        text = line.strip()
        if " of " in text and (" OK " in text or " PASS " in text) or "START" in text:
            try:
                head = text.split(" of ", 1)[0].split()[-1]
                if int(head) % every == 0:
                    say(f"    {text[:140]}")
            except ValueError:
                pass
        elif "ERROR" in text or "FAIL " in text or "Completed with" in text:
            say(f"    {text[:200]}")

    return on_line


def bench_dataset(
    dataset: Dataset, cache_dir: Path, work_dir: Path, say: Callable[[str], None], unit_tests: bool = True
) -> DatasetResult:
    raw_dir = ensure_dataset(dataset, cache_dir, say)
    lines = order_line_count(raw_dir)
    run_dir = work_dir / dataset.key
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    db_path, target_dir, serving_dir = run_dir / "bench.duckdb", run_dir / "target", run_dir / "serving"
    env = {"SUPPLYSEG_DB_PATH": str(db_path)}
    dbt_args = [
        dbt_executable(), *NIGHTLY_BUILD, "--target", "ci",
        "--vars", json.dumps({"raw_path": str(raw_dir.resolve())}), "--target-path", str(target_dir),
    ]
    say(f"  dbt build (clean, {lines:,} order lines) ...")
    build = run_measured(dbt_args, env=env, on_line=_progress_filter(say))
    if build.returncode != 0:
        raise RuntimeError(f"dbt build failed on {dataset.label}:\n{build.output[-4000:]}")
    say(f"  dbt build: {build.seconds:.1f} s, peak {build.peak_rss_bytes / 2**30:.2f} GiB")
    database_bytes = sum(path.stat().st_size for path in run_dir.glob("bench.duckdb*") if path.is_file())

    say("  publish ...")
    publish = run_measured(
        [sys.executable, "-m", "supplyseg.cli", "publish", "--serving-dir", str(serving_dir),
         "--db", str(db_path), "--target-path", str(target_dir)],
        env=env,
    )
    if publish.returncode != 0:
        raise RuntimeError(f"publish failed on {dataset.label}:\n{publish.output[-4000:]}")
    say(f"  publish: {publish.seconds:.1f} s")

    run_results = json.loads((target_dir / "run_results.json").read_text())
    manifest = json.loads((target_dir / "manifest.json").read_text())
    classification = classification_path_seconds(manifest, run_results)

    unit_test_seconds = None
    if unit_tests:
        say("  dbt unit tests (CI's share of the build, timed apart) ...")
        unit = run_measured(
            [dbt_executable(), "test", "--select", "test_type:unit", "--target", "ci",
             "--vars", json.dumps({"raw_path": str(raw_dir.resolve())}), "--target-path", str(run_dir / "target_unit")],
            env=env,
        )
        unit_test_seconds = unit.seconds if unit.returncode == 0 else None

    baselines: dict[str, Measured] = {}
    agreements: dict[str, pd.DataFrame] = {}
    from supplyseg.bench.agreement import agreement

    for module in ("baseline_pandas", "baseline_duckdb"):
        say(f"  {module.replace('_', ' ')} ...")
        out_file = run_dir / f"{module}.parquet"
        measured = run_measured(_python_step(module, raw_dir, out_file, 2))
        if measured.returncode != 0:
            raise RuntimeError(f"{module} failed on {dataset.label}:\n{measured.output[-4000:]}")
        step = json.loads(measured.output.strip().splitlines()[-1])
        measured.seconds = float(step["seconds"])  # the classification itself, interpreter start left out
        baselines[module] = measured
        agreements[module] = agreement(pd.read_parquet(out_file), db_path)
        worst = agreements[module]["share"].min()
        say(f"  {module}: {measured.seconds:.1f} s, peak {measured.peak_rss_bytes / 2**30:.2f} GiB, "
            f"lowest agreement with the marts {worst:.4%}")

    problems = None
    if dataset.check_fingerprints:
        expected = json.loads(DEMO_FINGERPRINTS.read_text())
        problems = mart_hash.compare(mart_hash.fingerprints(db_path, target_dir, expected), expected)
        say(f"  mart fingerprints: {len(expected) - len(problems)} of {len(expected)} identical to the expectation")

    return DatasetResult(
        dataset=dataset, order_lines=lines, build=build, publish=publish, database_bytes=database_bytes,
        slowest=slowest_nodes(run_results), classification_seconds=classification,
        unit_test_seconds=unit_test_seconds, node_count=len(run_results["results"]),
        pandas=baselines["baseline_pandas"], duckdb=baselines["baseline_duckdb"],
        agreement_pandas=agreements["baseline_pandas"], agreement_duckdb=agreements["baseline_duckdb"],
        fingerprint_problems=problems,
        run_seconds=float(run_results.get("elapsed_time") or 0.0) or None,
        model_seconds=sum(r["execution_time"] for r in run_results["results"] if not r["unique_id"].startswith("test.")),
        test_seconds=sum(r["execution_time"] for r in run_results["results"] if r["unique_id"].startswith("test.")),
    )


# --- report ------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    ).stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_DIR, capture_output=True, text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _gib(value: int) -> str:
    return f"{value / 2**30:.2f} GiB"


def _target_lines(results: list[DatasetResult]) -> list[str]:
    by_key = {result.dataset.key: result for result in results}
    lines = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    if "1m" in by_key:
        r = by_key["1m"]
        lines.append(f"- 1M order lines, full `dbt build` under 60 s: {r.build.seconds:.1f} s, {verdict(r.build.seconds < 60)}.")
    if "10m" in by_key:
        r = by_key["10m"]
        lines.append(f"- 10M order lines under 5 minutes: {r.build.seconds:.1f} s, {verdict(r.build.seconds < 300)}; "
                     f"peak memory under 4 GiB: {_gib(r.build.peak_rss_bytes)}, {verdict(r.build.peak_rss_bytes < 4 * 2**30)}.")
    for key in ("1m", "10m", "1m-thin-csv"):
        if key in by_key:
            r = by_key[key]
            speedup = r.pandas.seconds / r.classification_seconds if r.classification_seconds else float("inf")
            whole = r.build.seconds / r.pandas.seconds if r.pandas.seconds else float("inf")
            relation = f"{speedup:.2f}x faster than" if speedup >= 1 else f"{1 / speedup:.2f}x slower than"
            lines.append(
                f"- {key}: classification path {r.classification_seconds:.1f} s against pandas {r.pandas.seconds:.1f} s, "
                f"{relation} pandas (goal: at least 2x faster, {verdict(speedup >= 2)}); "
                f"whole build {whole:.2f}x the pandas time (goal at most 3x: {verdict(whole <= 3)})."
            )
    if "1m" in by_key and "10m" in by_key:
        small, large = by_key["1m"], by_key["10m"]
        line_ratio = large.order_lines / small.order_lines
        time_ratio = large.build.seconds / small.build.seconds
        lines.append(f"- Scaling 1M to 10M: {line_ratio:.1f}x the lines cost {time_ratio:.1f}x the build time "
                     f"(goal: no more than the line ratio, {verdict(time_ratio <= line_ratio)}).")
    agreements_ok = all(result.agreement_ok for result in results)
    lines.append(f"- Classes of both baselines agree with the marts at >= 99.9 % on every grain and field: "
                 f"{'passed' if agreements_ok else '**failed**'}.")
    fingerprints = [result for result in results if result.fingerprint_problems is not None]
    for result in fingerprints:
        ok = not result.fingerprint_problems
        lines.append(f"- Public marts of the {result.dataset.key} dataset identical to the expectation stored before "
                     f"the speed work: {'passed' if ok else '**failed**: ' + '; '.join(result.fingerprint_problems)}.")
    return lines


def render(results: list[DatasetResult], info: dict[str, str]) -> str:
    out = [
        "# Benchmarks: the nightly flow beside a pandas baseline",
        "",
        "Written by `make bench` (`python -m supplyseg.bench.run`, see its docstring); do not edit by hand.",
        "",
        f"- Date: {info['date']}; commit {info['commit']}.",
        f"- Machine: {info['cores']} cores, {info['memory']} memory; Python {info['python']}; {info['platform']}.",
        "- Resource settings (profiles.yml): "
        + ", ".join(f"{name}={os.environ.get(name, default)}" for name, default in RESOURCE_ENV) + ".",
        f"- The build is the nightly one, `dbt {' '.join(NIGHTLY_BUILD)}`: every model, snapshot and data test; "
        "the dbt unit tests run in CI (`make test`) and are timed apart below.",
        "- Each run starts from an empty database file and a new serving folder. Peak memory is the resident "
        "memory of the whole process tree (dbt, DuckDB, the Python models), sampled every 0.1 s.",
        "",
        "## Targets",
        "",
        *_target_lines(results),
        "",
        "## Whole flow",
        "",
        "`dbt build` is the wall time of the whole command; of it, *after parse* is dbt's own elapsed time "
        "(run_results.json; the rest is starting Python and parsing the project, which a fresh target folder "
        "does in full), and *models* and *data tests* are execution times summed over nodes (two dbt threads "
        "overlap, so the sums can exceed the elapsed time).",
        "",
        "| dataset | order lines | nodes | dbt build | after parse | models (summed) | data tests (summed) "
        "| peak memory | database | publish | unit tests (apart) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        unit = f"{r.unit_test_seconds:.1f} s" if r.unit_test_seconds is not None else "n/a"
        out.append(
            f"| {r.dataset.label} | {r.order_lines:,} | {r.node_count:,} | {r.build.seconds:.1f} s | "
            f"{f'{r.run_seconds:.1f} s' if r.run_seconds else 'n/a'} | {r.model_seconds:.1f} s | {r.test_seconds:.1f} s | "
            f"{_gib(r.build.peak_rss_bytes)} | {_gib(r.database_bytes)} | {r.publish.seconds:.1f} s | {unit} |"
        )
    out += [
        "",
        "## Classification beside the baselines",
        "",
        "The classification path is the ABC and XYZ models and every model upstream of them plus the raw load "
        "(execution times summed, so time the two dbt threads overlap counts twice). The pandas baseline "
        "(supplyseg/bench/baseline_pandas.py) and the DuckDB script (baseline_duckdb.py) start from the same raw "
        "files and compute customer and product ABC on each grain's measure, XYZ and the demand pattern; their "
        "time is the classification alone, from reading the files to the classes.",
        "",
        "| dataset | classification path | pandas | DuckDB script | pandas / path (goal >= 2) | build / pandas (goal <= 3) | pandas peak | lowest agreement (pandas, DuckDB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.pandas.seconds / r.classification_seconds if r.classification_seconds else float("inf")
        out.append(
            f"| {r.dataset.key} | {r.classification_seconds:.1f} s | {r.pandas.seconds:.1f} s | {r.duckdb.seconds:.1f} s | "
            f"{ratio:.2f}x | {r.build.seconds / r.pandas.seconds:.2f}x | {_gib(r.pandas.peak_rss_bytes)} | "
            f"{r.agreement_pandas['share'].min():.4%}, {r.agreement_duckdb['share'].min():.4%} |"
        )
    from supplyseg.bench.agreement import format_agreement

    for r in results:
        out += [
            "",
            f"## {r.dataset.label}",
            "",
            "Ten slowest nodes (run_results.json):",
            "",
            "| node | seconds |",
            "|---|---:|",
            *[f"| {name} | {seconds:.2f} |" for name, seconds in r.slowest],
            "",
            "Agreement of the pandas baseline with the marts:",
            "",
            format_agreement(r.agreement_pandas),
            "",
            "Agreement of the DuckDB script with the marts:",
            "",
            format_agreement(r.agreement_duckdb),
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="100k,1m,10m,1m-thin-csv",
                        help=f"comma-separated, from {', '.join(DATASETS)} (default: all)")
    parser.add_argument("--cache-dir", type=Path, default=PROJECT_DIR / "build" / "bench" / "data",
                        help="generated data, kept between runs")
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "build" / "bench" / "runs",
                        help="databases and serving folders of the runs (replaced each run)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs" / "benchmarks.md")
    parser.add_argument("--no-unit-tests", action="store_true", help="skip timing the dbt unit tests apart")
    args = parser.parse_args(argv)
    keys = [key.strip().lower() for key in args.datasets.split(",") if key.strip()]
    unknown = [key for key in keys if key not in DATASETS]
    if unknown:
        parser.error(f"--datasets: unknown {', '.join(unknown)}; choose from {', '.join(DATASETS)}")

    def say(message: str) -> None:
        print(message, flush=True)

    results = []
    started = time.perf_counter()
    for number, key in enumerate(keys, start=1):
        dataset = DATASETS[key]
        say(f"[{number}/{len(keys)}] {dataset.label}")
        results.append(bench_dataset(dataset, args.cache_dir, args.work_dir, say, unit_tests=not args.no_unit_tests))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, machine()))
    say(f"Wrote {args.out} after {time.perf_counter() - started:.0f} s.")
    failed = [r.dataset.key for r in results if not r.agreement_ok or r.fingerprint_problems]
    if failed:
        say(f"Agreement or fingerprint check failed on: {', '.join(failed)} (see {args.out}).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
