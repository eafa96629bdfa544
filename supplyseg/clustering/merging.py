"""Minimum cluster size: merge the smallest cluster into the nearest one until all are big enough."""

from __future__ import annotations

import numpy as np
import pandas as pd

MERGE_LOG_COLUMNS = ["merge_step", "from_label", "into_label", "from_size"]


def merge_small_clusters(
    matrix: np.ndarray, labels: np.ndarray, min_size: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """While a cluster has fewer than ``min_size`` rows (and more than one cluster is left), merge the
    smallest (ties: lower label) into the cluster whose centroid is nearest to its centroid in the
    scaled space (ties: lower label), then recompute that centroid. Noise (-1) takes no part.

    Returns the new labels (the surviving initial labels) and the log: one row per step with
    merge_step (1, 2, ...), from_label, into_label and from_size (rows moved).
    """
    labels = labels.copy()
    log = []
    step = 0
    while True:
        present = sorted(int(v) for v in np.unique(labels) if v >= 0)
        if len(present) < 2:
            break
        sizes = {label: int((labels == label).sum()) for label in present}
        smallest = min(present, key=lambda label: (sizes[label], label))
        if sizes[smallest] >= min_size:
            break
        centroid = matrix[labels == smallest].mean(axis=0)
        others = [label for label in present if label != smallest]
        distances = [float(((matrix[labels == label].mean(axis=0) - centroid) ** 2).sum()) for label in others]
        rounded = np.round(distances, 12)
        into = others[int(np.argmin(rounded))]
        step += 1
        log.append({"merge_step": step, "from_label": smallest, "into_label": into, "from_size": sizes[smallest]})
        labels[labels == smallest] = into
    return labels, pd.DataFrame(log, columns=MERGE_LOG_COLUMNS)
