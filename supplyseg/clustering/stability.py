"""Rolling-window stability: re-cluster each window, adjusted Rand index between windows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from .flow import prepare_grain
from .methods import fit_labels
from .preprocessing import FeatureSpec
from .settings import ClusterSettings

STABILITY_COLUMNS = ["window_number", "window_start_date", "window_end_date", "compared_with",
                     "entities_compared", "adjusted_rand_index"]


def window_labels(
    window: pd.DataFrame, specs: Sequence[FeatureSpec], method: str, k: int, settings: ClusterSettings
) -> pd.Series:
    """Labels of the non-dormant entities of one window (index entity_id), clustered with ``method``
    and ``k`` on the used features that are not null on every row of the window."""
    fit = prepare_grain(window, specs, settings.scaling)
    n = len(fit.matrix)
    if n == 0 or fit.matrix.shape[1] == 0 or (method not in ("dbscan", "hdbscan") and k >= n):
        labels = np.zeros(n, dtype="int64")
    else:
        labels = fit_labels(fit.matrix, method, k, settings.random_seed, settings.minibatch_above_rows,
                            settings.dbscan_eps, settings.dbscan_min_samples, settings.min_cluster_size(n))
    return pd.Series(labels, index=pd.Index(fit.entity_ids, name="entity_id"))


def _ari(left: pd.Series, right: pd.Series) -> tuple[int, float | None]:
    common = left.index.intersection(right.index).sort_values()
    if len(common) < 2:
        return len(common), None
    return len(common), float(adjusted_rand_score(left.loc[common].to_numpy(), right.loc[common].to_numpy()))


def rolling_stability(
    windows: pd.DataFrame,
    specs: Sequence[FeatureSpec],
    method: str,
    k: int,
    settings: ClusterSettings,
    full_labels: pd.Series,
) -> pd.DataFrame:
    """ARI per window of one grain: vs the previous window and vs ``full_labels`` (cluster ids of the
    full-window run, index entity_id, non-dormant entities only), on the entities both sides cluster.

    ``windows``: rows like ``int_cluster_features_by_window`` of one grain.
    """
    rows = []
    previous: pd.Series | None = None
    for number in sorted(windows["window_number"].dropna().unique()):
        window = windows[windows["window_number"] == number]
        labels = window_labels(window, specs, method, k, settings)
        start, end = window["window_start_date"].iloc[0], window["window_end_date"].iloc[0]
        if previous is not None:
            count, ari = _ari(previous, labels)
            rows.append({"window_number": int(number), "window_start_date": start, "window_end_date": end,
                         "compared_with": "previous_window", "entities_compared": count, "adjusted_rand_index": ari})
        count, ari = _ari(labels, full_labels)
        rows.append({"window_number": int(number), "window_start_date": start, "window_end_date": end,
                     "compared_with": "full_window", "entities_compared": count, "adjusted_rand_index": ari})
        previous = labels
    return pd.DataFrame(rows, columns=STABILITY_COLUMNS)
