"""The three result tables of the dbt Python models (columns per docs/ISSUE15 interface).

Each dbt model calls exactly one function here:
``k_diagnostics_table`` (int_cluster_k_diagnostics), ``fitted_assignments_table``
(int_cluster_assignments_fitted), ``stability_windows_table`` (int_cluster_stability_windows).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from .flow import cluster_grain, k_selection_rule, prepare_grain, scan_grain
from .preprocessing import feature_specs_from_weights
from .selection import choose_k
from .settings import GRAINS, ClusterSettings
from .stability import rolling_stability

K_DIAGNOSTICS_SCHEMA: dict[str, str] = {
    "grain": "string", "method": "string", "k": "Int32", "entity_count": "Int32", "inertia": "Float64",
    "silhouette": "Float64", "davies_bouldin": "Float64", "calinski_harabasz": "Float64",
    "silhouette_sample_size": "Int32", "is_chosen_k": "boolean", "k_selection_rule": "string",
}
ASSIGNMENTS_SCHEMA: dict[str, str] = {
    "grain": "string", "entity_id": "string", "cluster_id": "Int32", "cluster_kind": "string",
    "initial_cluster_label": "Int32", "merge_step": "Int32", "merged_into_label": "Int32",
    "distance_to_centroid": "Float64", "is_matched_to_previous": "boolean", "method": "string", "k": "Int32",
}
STABILITY_SCHEMA: dict[str, str] = {
    "grain": "string", "window_number": "Int32", "window_start_date": "date", "window_end_date": "date",
    "compared_with": "string", "entities_compared": "Int32", "adjusted_rand_index": "Float64",
}


def typed_frame(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """``frame`` with exactly the columns of ``schema``, in order, with explicit dtypes ("date" =
    Arrow date32, read by DuckDB as DATE even when the frame is empty). Works for an empty frame too."""
    out = pd.DataFrame(index=range(len(frame)))
    for column, dtype in schema.items():
        values = frame[column] if column in frame.columns else pd.Series([None] * len(frame))
        values = values.reset_index(drop=True)
        if dtype == "date":
            out[column] = pd.Series(pd.to_datetime(values).dt.date, dtype="object").astype(pd.ArrowDtype(pa.date32()))
        elif dtype in ("Float64", "Int32"):
            out[column] = pd.to_numeric(values.astype("object").where(values.notna(), None)).astype(dtype)
        else:
            out[column] = values.astype(dtype)
    return out


def _grain_rows(frames: Sequence[pd.DataFrame], grain: str) -> pd.DataFrame:
    parts = [f[f["grain"] == grain] for f in frames if len(f) and "grain" in f.columns]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["grain", "entity_id", "is_dormant"])


def k_diagnostics_table(
    feature_tables: Sequence[pd.DataFrame], weights: pd.DataFrame, settings: ClusterSettings
) -> pd.DataFrame:
    """Rows of int_cluster_k_diagnostics for every grain in ``settings.grains``."""
    out = []
    for grain in (g for g in GRAINS if g in settings.grains):
        rows = _grain_rows(feature_tables, grain)
        if rows.empty:
            continue
        method = settings.method_for(grain)
        fit = prepare_grain(rows, feature_specs_from_weights(weights, grain), settings.scaling)
        scan = scan_grain(fit, method, settings)
        rule = k_selection_rule(method, settings)
        chosen = choose_k(scan, "silhouette" if rule == "density" else rule, settings.fixed_k)
        scan = scan.assign(grain=grain, method=method, k_selection_rule=rule, is_chosen_k=scan["k"] == chosen)
        out.append(scan)
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=list(K_DIAGNOSTICS_SCHEMA))
    return typed_frame(frame, K_DIAGNOSTICS_SCHEMA)


def fitted_assignments_table(
    feature_tables: Sequence[pd.DataFrame],
    weights: pd.DataFrame,
    diagnostics: pd.DataFrame,
    previous_centroids: pd.DataFrame,
    settings: ClusterSettings,
) -> pd.DataFrame:
    """Rows of int_cluster_assignments_fitted: one per entity of every clustered grain, with the k
    chosen in ``diagnostics`` (int_cluster_k_diagnostics) and ids matched to ``previous_centroids``."""
    out = []
    for grain in (g for g in GRAINS if g in settings.grains):
        rows = _grain_rows(feature_tables, grain)
        if rows.empty:
            continue
        method = settings.method_for(grain)
        chosen = diagnostics[(diagnostics["grain"] == grain) & diagnostics["is_chosen_k"].astype("boolean").fillna(False)]
        if len(chosen) and str(chosen["method"].iloc[0]) != method:
            raise ValueError(f"int_cluster_k_diagnostics was built with method {chosen['method'].iloc[0]!r} for grain "
                             f"{grain!r} but dbt var cluster_method_{grain} is {method!r}; rebuild both together.")
        k = int(chosen["k"].iloc[0]) if len(chosen) else None
        previous = previous_centroids[previous_centroids["grain"] == grain] if len(previous_centroids) else previous_centroids
        result = cluster_grain(rows, feature_specs_from_weights(weights, grain), method, settings,
                               previous if len(previous) else None, chosen_k=k if k is not None else 1)
        out.append(result.assignments.assign(grain=grain))
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=list(ASSIGNMENTS_SCHEMA))
    return typed_frame(frame, ASSIGNMENTS_SCHEMA)


def stability_windows_table(
    windows: pd.DataFrame, weights: pd.DataFrame, assignments: pd.DataFrame, settings: ClusterSettings
) -> pd.DataFrame:
    """Rows of int_cluster_stability_windows: each window re-clustered with the grain's method and the
    k of int_cluster_assignments_fitted, ARI vs the previous window and vs the full-window ids."""
    out = []
    for grain in (g for g in GRAINS if g in settings.grains):
        rows = windows[windows["grain"] == grain] if len(windows) else windows
        fitted = assignments[(assignments["grain"] == grain)] if len(assignments) else assignments
        if rows.empty or fitted.empty:
            continue
        clustered = fitted[fitted["cluster_kind"] != "dormant"]
        full = pd.Series(clustered["cluster_id"].astype("int64").to_numpy(),
                         index=pd.Index(clustered["entity_id"].astype(str), name="entity_id"))
        k = int(fitted["k"].dropna().iloc[0]) if fitted["k"].notna().any() else 1
        method = settings.method_for(grain)
        result = rolling_stability(rows, feature_specs_from_weights(weights, grain), method, k, settings, full)
        out.append(result.assign(grain=grain))
    frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=list(STABILITY_SCHEMA))
    return typed_frame(frame, STABILITY_SCHEMA)
