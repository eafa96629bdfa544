"""Fitting one clustering: k-means (MiniBatchKMeans above a size), Ward, DBSCAN, HDBSCAN.

Labels are 0..k-1 for clusters and -1 for noise (DBSCAN/HDBSCAN only). Every random choice takes
``seed``. Rows are expected in a deterministic order (the flow sorts by entity id).
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import DBSCAN, HDBSCAN, KMeans, MiniBatchKMeans

#: Restarts of k-means (fixed, so the result does not depend on a library default).
KMEANS_N_INIT = 10
MINIBATCH_N_INIT = 3
MINIBATCH_BATCH_SIZE = 4096
#: Ward needs the n x n distances: above this many rows it is fitted on a seeded sample of this
#: size and the other rows join the nearest sample-cluster centroid.
AGGLOMERATIVE_MAX_ROWS = 10_000


def _kmeans(matrix: np.ndarray, k: int, seed: int, minibatch_above_rows: int) -> np.ndarray:
    if len(matrix) > minibatch_above_rows:
        model = MiniBatchKMeans(
            n_clusters=k, n_init=MINIBATCH_N_INIT, batch_size=MINIBATCH_BATCH_SIZE, random_state=seed
        )
    else:
        model = KMeans(n_clusters=k, n_init=KMEANS_N_INIT, random_state=seed)
    return model.fit_predict(matrix).astype("int64")


def nearest_centroid_labels(matrix: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid (Euclidean) for every row; ties go to the lower index."""
    distances = ((matrix[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(distances, axis=1).astype("int64")


def centroids_of(matrix: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted cluster labels >= 0, their mean rows)."""
    uniq = np.array(sorted(int(v) for v in np.unique(labels) if v >= 0), dtype="int64")
    if len(uniq) == 0:
        return uniq, np.zeros((0, matrix.shape[1]))
    return uniq, np.vstack([matrix[labels == u].mean(axis=0) for u in uniq])


def ward_labels_for_ks(matrix: np.ndarray, ks: list[int], seed: int) -> dict[int, np.ndarray]:
    """Ward clusterings for several k from one tree (cut at each k); labels 0..k-1."""
    n = len(matrix)
    if n > AGGLOMERATIVE_MAX_ROWS:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, size=AGGLOMERATIVE_MAX_ROWS, replace=False))
    else:
        sample = np.arange(n)
    tree = linkage(matrix[sample], method="ward")
    result = {}
    for k in ks:
        cut = fcluster(tree, t=k, criterion="maxclust").astype("int64") - 1
        if len(sample) == n:
            result[k] = cut
        else:
            _, centroids = centroids_of(matrix[sample], cut)
            result[k] = nearest_centroid_labels(matrix, centroids)
    return result


def fit_labels(
    matrix: np.ndarray,
    method: str,
    k: int,
    seed: int,
    minibatch_above_rows: int = 50_000,
    dbscan_eps: float = 0.5,
    dbscan_min_samples: int = 10,
    min_cluster_size: int = 5,
) -> np.ndarray:
    """Cluster labels of the rows of ``matrix``; -1 = noise (DBSCAN/HDBSCAN). ``k`` is ignored by the
    density methods; ``min_cluster_size`` is HDBSCAN's smallest cluster."""
    if method == "kmeans":
        return _kmeans(matrix, k, seed, minibatch_above_rows)
    if method == "agglomerative":
        return ward_labels_for_ks(matrix, [k], seed)[k]
    if method == "dbscan":
        return DBSCAN(eps=dbscan_eps, min_samples=dbscan_min_samples).fit_predict(matrix).astype("int64")
    if method == "hdbscan":
        model = HDBSCAN(
            min_cluster_size=max(2, min_cluster_size), min_samples=dbscan_min_samples, copy=True
        )
        return model.fit_predict(matrix).astype("int64")
    raise ValueError(f"unknown clustering method {method!r}; allowed: kmeans, agglomerative, dbscan, hdbscan.")


def labels_for_ks(
    matrix: np.ndarray, method: str, ks: list[int], seed: int, minibatch_above_rows: int
) -> dict[int, np.ndarray]:
    """Labels for every k of a scan (Ward cuts one tree; k-means fits each k)."""
    if method == "agglomerative":
        return ward_labels_for_ks(matrix, ks, seed)
    if method == "kmeans":
        return {k: _kmeans(matrix, k, seed, minibatch_above_rows) for k in ks}
    raise ValueError(f"a k scan needs kmeans or agglomerative, not {method!r}.")
