"""Clustering of segmentation entities (issue 15): typed functions the dbt Python models call.

Preprocessing (``preprocessing``), methods (``methods``), k scan and choice (``selection``),
minimum cluster size (``merging``), stable ids (``matching``), the per-grain flow (``flow``),
rolling stability (``stability``), quality measures and PSI (``metrics``), and the three result
tables of the dbt models (``tables``). Settings come from dbt vars (``settings``).
"""

from .flow import GrainResult, cluster_grain
from .matching import match_to_previous
from .merging import merge_small_clusters
from .methods import fit_labels
from .metrics import (
    bin_counts,
    kneedle_elbow,
    population_stability_index,
    quality_scores,
    within_cluster_sum_of_squares,
)
from .preprocessing import FeatureSpec, FittedPreprocessing, prepare_features, transform_features
from .selection import choose_k, scan_k
from .settings import ClusterSettings, settings_from_config
from .stability import rolling_stability
from .tables import fitted_assignments_table, k_diagnostics_table, stability_windows_table

__all__ = [
    "ClusterSettings", "FeatureSpec", "FittedPreprocessing", "GrainResult", "bin_counts", "choose_k",
    "cluster_grain", "fit_labels", "fitted_assignments_table", "k_diagnostics_table", "kneedle_elbow",
    "match_to_previous", "merge_small_clusters", "population_stability_index", "prepare_features",
    "quality_scores", "rolling_stability", "scan_k", "settings_from_config", "stability_windows_table",
    "transform_features", "within_cluster_sum_of_squares",
]
