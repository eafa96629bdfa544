"""The whole clustering flow for one grain: prepare, scan k, fit, merge small clusters, match ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .matching import match_to_previous
from .merging import merge_small_clusters
from .methods import centroids_of, fit_labels
from .preprocessing import FeatureSpec, FittedPreprocessing, prepare_features, transform_features
from .selection import choose_k, scan_k
from .settings import ClusterSettings

DENSITY_METHODS = ("dbscan", "hdbscan")


@dataclass(frozen=True)
class GrainFit:
    """The fit rows of one grain in a deterministic order, their matrix and the preprocessing."""

    entity_ids: np.ndarray
    matrix: np.ndarray
    fitted: FittedPreprocessing
    originals: pd.DataFrame


@dataclass(frozen=True)
class GrainResult:
    """Result of :func:`cluster_grain`: per-entity assignments, the k scan and the merge log."""

    assignments: pd.DataFrame
    diagnostics: pd.DataFrame
    merges: pd.DataFrame
    chosen_k: int | None
    k_selection_rule: str
    fitted: FittedPreprocessing | None


def dormant_mask(features: pd.DataFrame) -> np.ndarray:
    """True for dormant rows (a null is_dormant counts as not dormant)."""
    return features["is_dormant"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def prepare_grain(features: pd.DataFrame, specs: Sequence[FeatureSpec], scaling: str) -> GrainFit:
    """Non-dormant rows sorted by entity_id (so row order of the input never matters), fitted."""
    if features["entity_id"].duplicated().any():
        dup = features.loc[features["entity_id"].duplicated(), "entity_id"].iloc[0]
        raise ValueError(f"feature table has entity_id {dup!r} twice in one grain; one row per entity is expected.")
    active = features.loc[~dormant_mask(features)].sort_values("entity_id", kind="stable").reset_index(drop=True)
    matrix, fitted = prepare_features(active, specs, scaling)
    return GrainFit(active["entity_id"].astype(str).to_numpy(), matrix, fitted, active)


def k_selection_rule(method: str, settings: ClusterSettings) -> str:
    return "density" if method in DENSITY_METHODS else settings.k_selection


def scan_grain(fit: GrainFit, method: str, settings: ClusterSettings) -> pd.DataFrame:
    """The k scan of one prepared grain (see :func:`supplyseg.clustering.selection.scan_k`)."""
    if fit.matrix.shape[1] == 0:
        return scan_k(np.zeros((0, 0)), method, settings.k_min, settings.k_max, settings.random_seed,
                      settings.silhouette_sample_size)
    return scan_k(
        fit.matrix, method, settings.k_min, settings.k_max, settings.random_seed, settings.silhouette_sample_size,
        settings.minibatch_above_rows, settings.dbscan_eps, settings.dbscan_min_samples,
        settings.min_cluster_size(len(fit.matrix)),
    )


def previous_centroid_matrix(
    previous: pd.DataFrame, fitted: FittedPreprocessing
) -> tuple[list[int], pd.DataFrame, list[str]]:
    """Previous centroids (rows like ``int_cluster_centroids_previous`` of one grain) as a wide frame
    in original units, ids >= 1 only, restricted to features used now and known for every id."""
    rows = previous[previous["cluster_id"].astype("Int64") >= 1]
    if rows.empty:
        return [], pd.DataFrame(), []
    wide = rows.pivot_table(index="cluster_id", columns="feature_name", values="centroid_value", aggfunc="first")
    wide = wide.sort_index()
    common = [f for f in fitted.features if f in wide.columns and wide[f].notna().all()]
    return [int(i) for i in wide.index], wide, common


def assign_stable_ids(
    fit: GrainFit, labels: np.ndarray, previous: pd.DataFrame
) -> dict[int, tuple[int, bool]]:
    """Stable ids for the cluster labels (>= 0) of ``labels``: Hungarian match of the clusters'
    centroids in original units (mean of the non-null values, like the published profiles) to the
    previous run's, both transformed by the current preprocessing, on the features both share."""
    uniq = [int(v) for v in sorted(np.unique(labels)) if v >= 0]
    sizes = [int((labels == u).sum()) for u in uniq]
    originals = fit.originals[list(fit.fitted.features)].apply(pd.to_numeric).astype("float64")
    means = pd.DataFrame([originals[labels == u].mean(axis=0) for u in uniq], columns=list(fit.fitted.features))
    new_space = transform_features(fit.fitted, means) if uniq else np.zeros((0, len(fit.fitted.features)))
    previous_ids, wide, common = previous_centroid_matrix(previous, fit.fitted)
    if previous_ids and common:
        prev_frame = pd.DataFrame({f: (wide[f] if f in common else np.nan) for f in fit.fitted.features})
        keep = [fit.fitted.features.index(f) for f in common]
        prev_space = transform_features(fit.fitted, prev_frame)[:, keep]
        return match_to_previous(uniq, sizes, new_space[:, keep], previous_ids, prev_space)
    # No previous run (or nothing comparable): ids 1..k, or above the previous ids.
    first = match_to_previous(uniq, sizes, new_space, [], np.zeros((0, new_space.shape[1])))
    offset = max(previous_ids) if previous_ids else 0
    return {label: (cluster_id + offset, False) for label, (cluster_id, _) in first.items()}


def cluster_grain(
    features: pd.DataFrame,
    specs: Sequence[FeatureSpec],
    method: str,
    settings: ClusterSettings,
    previous_centroids: pd.DataFrame | None = None,
    chosen_k: int | None = None,
) -> GrainResult:
    """Cluster the entities of one grain.

    ``features``: rows like an ``int_*_cluster_features`` table (entity_id, is_dormant, feature
    columns). Dormant rows never enter the fit (cluster_id 0). Without ``chosen_k`` the k scan runs
    and k is chosen by ``settings.k_selection``; with it, the scan is skipped (the dbt model reads
    the chosen k from int_cluster_k_diagnostics).
    """
    previous = previous_centroids if previous_centroids is not None else pd.DataFrame(
        columns=["cluster_id", "feature_name", "centroid_value"])
    fit = prepare_grain(features, specs, settings.scaling)
    rule = k_selection_rule(method, settings)
    diagnostics = pd.DataFrame()
    if chosen_k is None:
        diagnostics = scan_grain(fit, method, settings)
        chosen_k = choose_k(diagnostics, rule if rule != "density" else "silhouette", settings.fixed_k)
    n = len(fit.matrix)
    min_size = settings.min_cluster_size(n)
    if n == 0 or fit.matrix.shape[1] == 0:
        labels = np.zeros(n, dtype="int64")
    elif method in DENSITY_METHODS:
        labels = fit_labels(fit.matrix, method, 0, settings.random_seed, settings.minibatch_above_rows,
                            settings.dbscan_eps, settings.dbscan_min_samples, min_size)
    elif chosen_k is None or chosen_k < 2 or chosen_k >= n:
        labels = np.zeros(n, dtype="int64")
    else:
        labels = fit_labels(fit.matrix, method, chosen_k, settings.random_seed, settings.minibatch_above_rows)
    merged, log = merge_small_clusters(fit.matrix, labels, min_size)
    ids = assign_stable_ids(fit, merged, previous)
    uniq, centroids = centroids_of(fit.matrix, merged)
    position = {int(u): i for i, u in enumerate(uniq)}
    step_of = dict(zip(log["from_label"].astype(int), log["merge_step"].astype(int), strict=True))
    into_of = dict(zip(log["from_label"].astype(int), log["into_label"].astype(int), strict=True))
    rows = []
    for i, entity in enumerate(fit.entity_ids):
        final, initial = int(merged[i]), int(labels[i])
        if final < 0:
            cluster_id, kind, matched, distance = -1, "unclustered", False, None
        else:
            cluster_id, matched = ids[final]
            kind = "clustered"
            distance = float(np.sqrt(((fit.matrix[i] - centroids[position[final]]) ** 2).sum()))
        rows.append({"entity_id": entity, "cluster_id": cluster_id, "cluster_kind": kind,
                     "initial_cluster_label": initial, "merge_step": step_of.get(initial),
                     "merged_into_label": into_of.get(initial), "distance_to_centroid": distance,
                     "is_matched_to_previous": matched})
    dormant = features.loc[dormant_mask(features), "entity_id"].astype(str).sort_values()
    for entity in dormant:
        rows.append({"entity_id": entity, "cluster_id": 0, "cluster_kind": "dormant", "initial_cluster_label": None,
                     "merge_step": None, "merged_into_label": None, "distance_to_centroid": None,
                     "is_matched_to_previous": False})
    found_k = len([u for u in np.unique(labels) if u >= 0]) if method in DENSITY_METHODS else chosen_k
    assignments = pd.DataFrame(rows, columns=["entity_id", "cluster_id", "cluster_kind", "initial_cluster_label",
                                              "merge_step", "merged_into_label", "distance_to_centroid",
                                              "is_matched_to_previous"])
    assignments["method"] = method
    assignments["k"] = found_k
    return GrainResult(assignments.sort_values("entity_id", kind="stable").reset_index(drop=True),
                       diagnostics, log, found_k, rule, fit.fitted)
