"""Benchmark of the clustering flow (issue 15) on synthetic feature tables, limited to 2 threads.

Runs exactly the functions the dbt Python models call (k scan 2..10, fit with the chosen k,
minimum-size merges, Hungarian matching against a previous run, rolling windows) on
- the generator's ``large`` scale: 20,000 customers + 8,000 products, with 9 rolling windows;
- 100,000 feature rows of one grain (the size of a customer x product grain), no windows.

Acceptance (issue 15): large scale under 60 s, 100k rows under 3 minutes, on 2 cores.

    python -m supplyseg.bench.clustering [--threads 2] [--out docs/benchmarks_clustering.md]
"""

from __future__ import annotations

import os
import sys

THREADS = "2"
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, THREADS)
# Idle OpenMP threads sleep instead of spinning: on a machine whose cores are shared with other jobs,
# spinning k-means threads otherwise wait for each other for most of the run.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from supplyseg.clustering import ClusterSettings  # noqa: E402
from supplyseg.clustering.tables import (  # noqa: E402
    fitted_assignments_table,
    k_diagnostics_table,
    stability_windows_table,
)

FEATURES = [
    "order_frequency", "mean_order_value_rep_ccy", "order_value_cv", "adi", "cv_squared", "revenue_rep_ccy",
    "gross_margin_rep_ccy", "revenue_decayed_rep_ccy", "gross_margin_decayed_rep_ccy", "margin_pct",
    "short_lead_time_share", "return_rate", "late_or_short_delivery_share", "recency_days", "tenure_days",
    "ship_to_count", "plant_count",
]
#: Features the benchmark clusters on (the behaviour features of the default weights seed).
USED = ["order_frequency", "mean_order_value_rep_ccy", "order_value_cv", "adi", "cv_squared",
        "short_lead_time_share", "return_rate", "revenue_rep_ccy", "margin_pct", "recency_days"]


def synthetic_features(grain: str, n: int, seed: int, dormant_share: float = 0.08) -> pd.DataFrame:
    """Heavy-tailed feature rows of four behaviour groups (like the generator's planted ones)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, n)
    freq = rng.lognormal(np.array([0.0, 2.5, -0.5, 2.0])[group], 0.4)
    size = rng.lognormal(np.array([9.0, 5.5, 8.5, 6.0])[group], 0.5)
    frame = pd.DataFrame({
        "order_frequency": freq,
        "mean_order_value_rep_ccy": size,
        "order_value_cv": rng.gamma(2.0, np.array([0.2, 0.15, 0.8, 0.2])[group]),
        "adi": 1.0 + rng.gamma(2.0, np.array([1.5, 0.05, 3.0, 0.1])[group]),
        "cv_squared": rng.gamma(2.0, np.array([0.2, 0.1, 1.5, 0.15])[group]),
        "revenue_rep_ccy": freq * size * 12 * rng.lognormal(0, 0.3, n),
        "gross_margin_rep_ccy": freq * size * 3 * rng.normal(1, 0.5, n),
        "revenue_decayed_rep_ccy": freq * size * 8 * rng.lognormal(0, 0.3, n),
        "gross_margin_decayed_rep_ccy": freq * size * 2 * rng.normal(1, 0.5, n),
        "margin_pct": rng.normal(0.25, 0.08, n),
        "short_lead_time_share": rng.beta(np.array([1, 1, 1, 8])[group], np.array([9, 9, 9, 2])[group]),
        "return_rate": rng.beta(1, 40, n),
        "late_or_short_delivery_share": rng.beta(1, 15, n),
        "recency_days": rng.exponential(40, n),
        "tenure_days": rng.uniform(100, 1100, n),
        "ship_to_count": rng.integers(1, 6, n).astype(float),
        "plant_count": rng.integers(1, 4, n).astype(float),
    })
    frame.loc[rng.random(n) < 0.02, "late_or_short_delivery_share"] = np.nan
    frame.insert(0, "grain", grain)
    frame.insert(1, "entity_id", [f"{grain[:1]}{i:07d}" for i in range(n)])
    frame.insert(2, "is_dormant", rng.random(n) < dormant_share)
    frame.insert(3, "activity_order_line_count", rng.integers(0, 500, n))
    return frame


def synthetic_windows(features: pd.DataFrame, windows: int, seed: int) -> pd.DataFrame:
    """Rolling windows: the same entities with noisy features (12-month windows, 3-month step)."""
    rng = np.random.default_rng(seed)
    parts = []
    for number in range(1, windows + 1):
        part = features.copy()
        part[FEATURES] = part[FEATURES] * rng.lognormal(0, 0.15, size=(len(part), len(FEATURES)))
        part["is_dormant"] = part["is_dormant"] | (rng.random(len(part)) < 0.05)
        start = dt.date(2023, 1, 1) + pd.DateOffset(months=3 * (number - 1))
        part["window_number"] = number
        part["window_start_date"] = pd.Timestamp(start).date()
        part["window_end_date"] = (pd.Timestamp(start) + pd.DateOffset(months=12) - pd.Timedelta(days=1)).date()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def weights_for(grains: list[str]) -> pd.DataFrame:
    rows = [{"grain": g, "feature_name": f, "weight": 1.0 / len(USED), "transform": "log1p", "is_used": True,
             "drop_reason": None} for g in grains for f in USED]
    return pd.DataFrame(rows)


def previous_centroids(features: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """What int_cluster_centroids_previous would hold after publishing ``assignments``."""
    merged = features.merge(assignments[["grain", "entity_id", "cluster_id"]], on=["grain", "entity_id"])
    merged = merged[merged["cluster_id"] >= 1]
    means = merged.groupby(["grain", "cluster_id"])[USED].mean().reset_index()
    long = means.melt(id_vars=["grain", "cluster_id"], var_name="feature_name", value_name="centroid_value")
    return long.assign(previous_run_id="bench-previous")


@dataclass
class Case:
    name: str
    grains: dict[str, int]
    windows: int


def run_case(case: Case, settings: ClusterSettings, seed: int) -> dict[str, float | int | str]:
    tables = [synthetic_features(g, n, seed + i) for i, (g, n) in enumerate(case.grains.items())]
    features = pd.concat(tables, ignore_index=True)
    weights = weights_for(list(case.grains))
    settings = replace(settings, grains=tuple(case.grains))
    empty_previous = pd.DataFrame(columns=["grain", "cluster_id", "feature_name", "centroid_value", "previous_run_id"])
    first = fitted_assignments_table(tables, weights, k_diagnostics_table(tables, weights, settings),
                                     empty_previous, settings)
    previous = previous_centroids(features, first)
    timings: dict[str, float | int | str] = {"case": case.name, "rows": len(features)}
    started, cpu_started = time.perf_counter(), time.process_time()
    diagnostics = k_diagnostics_table(tables, weights, settings)
    timings["k_scan_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    assignments = fitted_assignments_table(tables, weights, diagnostics, previous, settings)
    timings["fit_merge_match_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if case.windows:
        windows = synthetic_windows(features, case.windows, seed)
        stability = stability_windows_table(windows, weights, assignments, settings)
        timings["windows"] = case.windows
        timings["window_ari_median"] = float(stability["adjusted_rand_index"].astype("float64").median())
    timings["stability_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    timings["cpu_s"] = time.process_time() - cpu_started
    chosen = diagnostics[diagnostics["is_chosen_k"]]
    timings["chosen_k"] = ", ".join(f"{g}={k}" for g, k in zip(chosen["grain"], chosen["k"], strict=True))
    timings["ids_kept_share"] = float(assignments["is_matched_to_previous"].astype(bool)[
        assignments["cluster_kind"] == "clustered"].mean())
    return timings


def machine() -> str:
    memory = "unknown"
    try:
        with open("/proc/meminfo") as handle:
            kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.platform()}, {os.cpu_count()} logical cores, {memory} RAM, Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[int(THREADS)],
                        help="thread limits to measure, one run each (default 2)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--method", default="kmeans", choices=["kmeans", "agglomerative", "dbscan", "hdbscan"])
    parser.add_argument("--out", type=Path, default=None, help="markdown file to write the results to")
    args = parser.parse_args(argv)
    settings = ClusterSettings(method_by_grain=tuple((g, args.method) for g in ("customer", "product", "customer_product")),
                               random_seed=args.seed)
    cases = [
        Case("large scale: 20,000 customers + 8,000 products, 9 windows", {"customer": 20_000, "product": 8_000}, 9),
        Case("100,000 feature rows of one grain", {"customer_product": 100_000}, 0),
    ]
    results = []
    for threads in args.threads:
        with threadpool_limits(limits=threads):
            for limit, case in zip((60.0, 180.0), cases, strict=True):
                result = run_case(case, settings, args.seed) | {"threads": threads, "limit_s": limit}
                print(result, flush=True)
                results.append(result)
    lines = [
        "# Clustering benchmark (issue 15)",
        "",
        "Measured with `make bench-clustering` (`python -m supplyseg.bench.clustering`), not a timed test.",
        f"Method `{args.method}`, default vars (k scan {settings.k_min}..{settings.k_max}, silhouette sample "
        f"{settings.silhouette_sample_size}, MiniBatchKMeans above {settings.minibatch_above_rows} rows), "
        f"{len(USED)} log1p features, robust scaling; threads limited with threadpoolctl (and the OMP/OpenBLAS "
        "env vars, OMP_WAIT_POLICY=PASSIVE) to the number in the table.",
        "Each case runs the functions of the three dbt Python models on synthetic feature tables: the k scan "
        "(int_cluster_k_diagnostics), the fit with merges and Hungarian matching against a previous run "
        "(int_cluster_assignments_fitted) and, for the large scale, 9 rolling windows (int_cluster_stability_windows). "
        "Data generation and the first (unmatched) run are not timed.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Commit: {commit()}",
        f"- Machine: {machine()}",
        f"- Load average when finished: {', '.join(f'{v:.1f}' for v in os.getloadavg())} (the 2 cores were shared "
        "with other jobs; CPU seconds show the work itself, wall seconds include waiting for a core)",
        "",
        "| case | threads | rows | k scan (s) | fit + merges + matching (s) | windows (s) | total wall (s) | CPU (s, all threads) | acceptance (wall) | chosen k |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        limit = result["limit_s"]
        verdict = f"{'pass' if result['total_s'] < limit else 'FAIL'} (< {limit:.0f} s)"
        lines.append(
            f"| {result['case']} | {result['threads']} | {result['rows']:,} | {result['k_scan_s']:.1f} | {result['fit_merge_match_s']:.1f} | "
            f"{result['stability_s']:.1f} | {result['total_s']:.1f} | {result['cpu_s']:.1f} | {verdict} | {result['chosen_k']} |"
        )
    lines += [
        "",
        "Reading the numbers: wall seconds include the time the process waited for a core. CPU seconds are the "
        "work done by all threads together, so on 2 cores not shared with other jobs the wall time of a case is "
        "at most its CPU seconds; judge the acceptance limits on them when the load average above is well over 2. "
        "Synthetic groups here are not the generator's planted ones, so the chosen k says nothing about quality "
        "(the end-to-end tests check that on generated data).",
        "",
    ]
    text = "\n".join(lines)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
