"""Scanning k and choosing it (silhouette, kneedle elbow or fixed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .methods import fit_labels, labels_for_ks
from .metrics import kneedle_elbow, quality_scores, within_cluster_sum_of_squares

DIAGNOSTIC_COLUMNS = [
    "k", "entity_count", "inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "silhouette_sample_size",
]


def scan_k(
    matrix: np.ndarray,
    method: str,
    k_min: int,
    k_max: int,
    seed: int,
    silhouette_sample_size: int,
    minibatch_above_rows: int = 50_000,
    dbscan_eps: float = 0.5,
    dbscan_min_samples: int = 10,
    min_cluster_size: int = 5,
) -> pd.DataFrame:
    """One row per k in [k_min, k_max] (k below the row count) with inertia (within-cluster sum of
    squares), silhouette, Davies-Bouldin and Calinski-Harabasz. For dbscan/hdbscan: one row with
    the k the method found (noise excluded from the scores)."""
    n = len(matrix)
    rows = []
    if method in ("dbscan", "hdbscan"):
        if n >= 2:
            labels = fit_labels(matrix, method, 0, seed, minibatch_above_rows, dbscan_eps, dbscan_min_samples, min_cluster_size)
            found = len([v for v in np.unique(labels) if v >= 0])
            rows.append({"k": found, "entity_count": n, "inertia": within_cluster_sum_of_squares(matrix, labels),
                         **quality_scores(matrix, labels, silhouette_sample_size, seed)})
    else:
        ks = [k for k in range(k_min, k_max + 1) if k < n]
        for k, labels in labels_for_ks(matrix, method, ks, seed, minibatch_above_rows).items():
            rows.append({"k": k, "entity_count": n, "inertia": within_cluster_sum_of_squares(matrix, labels),
                         **quality_scores(matrix, labels, silhouette_sample_size, seed)})
    return pd.DataFrame(rows, columns=DIAGNOSTIC_COLUMNS)


def choose_k(diagnostics: pd.DataFrame, rule: str, fixed_k: int | None = None) -> int | None:
    """The chosen k of a scan: largest silhouette (ties and rounding noise -> smaller k), kneedle
    elbow on inertia, or ``fixed_k`` (the largest scanned k not above it). None for an empty scan."""
    if diagnostics.empty:
        return None
    scan = diagnostics.sort_values("k")
    if rule == "silhouette":
        scored = scan[scan["silhouette"].notna()]
        if scored.empty:
            return int(scan["k"].iloc[0])
        best = scored["silhouette"].astype("float64").round(12).max()
        return int(scored.loc[scored["silhouette"].astype("float64").round(12) == best, "k"].min())
    if rule == "elbow":
        return kneedle_elbow(scan["k"].tolist(), scan["inertia"].astype("float64").tolist())
    if rule == "fixed":
        if fixed_k is None:
            raise ValueError("k selection 'fixed' needs dbt var cluster_fixed_k.")
        allowed = scan.loc[scan["k"] <= fixed_k, "k"]
        return int(allowed.max()) if not allowed.empty else int(scan["k"].min())
    raise ValueError(f"dbt var cluster_k_selection={rule!r} must be one of silhouette, elbow, fixed.")
