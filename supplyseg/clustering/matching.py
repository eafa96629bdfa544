"""Stable cluster ids: Hungarian matching of new centroids to the previous published run's."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def first_run_order(labels: list[int], sizes: list[int], centroids: np.ndarray) -> list[int]:
    """Labels ordered by descending size, then by centroid coordinates, then label: the
    deterministic order in which new ids are handed out."""
    keys = [(-sizes[i], tuple(np.round(centroids[i], 9)), labels[i]) for i in range(len(labels))]
    return [labels[i] for i in sorted(range(len(labels)), key=lambda i: keys[i])]


def match_to_previous(
    labels: list[int],
    sizes: list[int],
    centroids: np.ndarray,
    previous_ids: list[int],
    previous_centroids: np.ndarray,
) -> dict[int, tuple[int, bool]]:
    """Map each cluster label to (stable cluster id, is_matched_to_previous).

    ``centroids`` and ``previous_centroids`` are in the same (current, scaled) space. The Hungarian
    assignment (``scipy.optimize.linear_sum_assignment``) on Euclidean centroid distances pairs
    min(new, previous) clusters; a pair is kept only when that previous centroid is also the nearest
    previous centroid of the new cluster, so a cluster split off another one never inherits the id of a
    cluster that has gone (the assignment would otherwise pair every cluster with something). A kept
    pair keeps the previous id. The others get ids above max(previous ids) (1, 2, ... on a first run)
    in :func:`first_run_order`.
    """
    mapping: dict[int, tuple[int, bool]] = {}
    if len(labels) and len(previous_ids):
        cost = np.round(np.sqrt(((centroids[:, None, :] - previous_centroids[None, :, :]) ** 2).sum(axis=2)), 12)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] <= cost[r].min():
                mapping[labels[r]] = (int(previous_ids[c]), True)
    next_id = max([0, *(int(i) for i in previous_ids)]) + 1
    unmatched = [i for i, label in enumerate(labels) if label not in mapping]
    order = first_run_order([labels[i] for i in unmatched], [sizes[i] for i in unmatched], centroids[unmatched])
    for label in order:
        mapping[label] = (next_id, False)
        next_id += 1
    return mapping
