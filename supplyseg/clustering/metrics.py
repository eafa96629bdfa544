"""Cluster quality measures, the kneedle elbow and the population stability index."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score


def within_cluster_sum_of_squares(matrix: np.ndarray, labels: np.ndarray) -> float:
    """Sum over clusters of squared distances to the cluster mean (k-means inertia); noise (-1) ignored."""
    total = 0.0
    for label in np.unique(labels):
        if label < 0:
            continue
        members = matrix[labels == label]
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


def quality_scores(
    matrix: np.ndarray, labels: np.ndarray, silhouette_sample_size: int, seed: int
) -> dict[str, float | int | None]:
    """Silhouette (on a seeded sample when rows exceed ``silhouette_sample_size``), Davies-Bouldin
    and Calinski-Harabasz on the non-noise rows; None where undefined (fewer than 2 clusters, or
    as many clusters as rows)."""
    keep = labels >= 0
    x, y = matrix[keep], labels[keep]
    n_labels = len(np.unique(y))
    sample = min(len(y), silhouette_sample_size)
    if not 2 <= n_labels <= len(y) - 1:
        return {"silhouette": None, "davies_bouldin": None, "calinski_harabasz": None, "silhouette_sample_size": sample}
    if len(y) > silhouette_sample_size:
        silhouette = silhouette_score(x, y, sample_size=silhouette_sample_size, random_state=seed)
    else:
        silhouette = silhouette_score(x, y)
    return {
        "silhouette": float(silhouette),
        "davies_bouldin": float(davies_bouldin_score(x, y)),
        "calinski_harabasz": float(calinski_harabasz_score(x, y)),
        "silhouette_sample_size": sample,
    }


def kneedle_elbow(ks: Sequence[int], inertias: Sequence[float]) -> int:
    """The elbow of a decreasing inertia curve by kneedle: normalise k and inertia to [0, 1], take
    the distance of each point below the straight line from the first to the last point
    ((1 - k_norm) - inertia_norm) and return the k where it is largest (ties: smaller k)."""
    x = np.asarray(ks, dtype="float64")
    y = np.asarray(inertias, dtype="float64")
    if len(x) == 0:
        raise ValueError("kneedle_elbow needs at least one k.")
    if len(x) < 3 or np.ptp(y) == 0:
        return int(x[0])
    x_norm = (x - x.min()) / np.ptp(x)
    y_norm = (y - y.min()) / np.ptp(y)
    difference = np.round((1.0 - x_norm) - y_norm, 12)
    return int(x[int(np.argmax(difference))])


def bin_counts(values: Sequence[float] | np.ndarray, edges: Sequence[float] | np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the bins [edges[i], edges[i+1]); values below the first edge count in
    the first bin, values at or above the last edge in the last bin; nulls are ignored."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    e = np.asarray(edges, dtype="float64")
    if len(e) < 2 or np.any(np.diff(e) < 0):
        raise ValueError("edges must hold at least two ascending values.")
    index = np.searchsorted(e[1:-1], v, side="right")
    return np.bincount(index, minlength=len(e) - 1)


def population_stability_index(
    expected: Sequence[float] | np.ndarray,
    actual: Sequence[float] | np.ndarray,
    edges: Sequence[float] | np.ndarray | None = None,
    epsilon: float = 1e-4,
) -> float:
    """PSI = sum over bins of (a - e) * ln(a / e), with e, a the bin shares of expected and actual.

    Without ``edges``, ``expected`` and ``actual`` are counts per bin (same length). With ``edges``
    they are raw values, binned by :func:`bin_counts`. A share of 0 is replaced by ``epsilon``
    (no renormalisation), so an empty bin costs a large but finite amount.
    """
    if edges is None:
        e_counts = np.asarray(expected, dtype="float64")
        a_counts = np.asarray(actual, dtype="float64")
    else:
        e_counts = bin_counts(expected, edges).astype("float64")
        a_counts = bin_counts(actual, edges).astype("float64")
    if e_counts.shape != a_counts.shape:
        raise ValueError("expected and actual must have one count per bin each.")
    if e_counts.sum() <= 0 or a_counts.sum() <= 0:
        raise ValueError("expected and actual need at least one counted value each.")
    e_share = np.maximum(e_counts / e_counts.sum(), epsilon)
    a_share = np.maximum(a_counts / a_counts.sum(), epsilon)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))
