"""Clustering settings: the dbt vars a Python model reads, validated once.

Every error names the dbt var at fault and what is allowed, so a bad ``--vars`` value stops the
model with a message a planner can act on.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

GRAINS: tuple[str, ...] = ("customer", "product", "customer_product")
METHODS: tuple[str, ...] = ("kmeans", "agglomerative", "dbscan", "hdbscan")
SCALINGS: tuple[str, ...] = ("robust", "standard")
TRANSFORMS: tuple[str, ...] = ("none", "log1p", "yeo_johnson")
K_SELECTIONS: tuple[str, ...] = ("silhouette", "elbow", "fixed")

#: The dbt vars (and config keys of the Python models) the settings are read from.
SETTING_VARS: tuple[str, ...] = (
    "cluster_grains",
    "cluster_method_customer",
    "cluster_method_product",
    "cluster_method_customer_product",
    "cluster_scaling",
    "cluster_k_min",
    "cluster_k_max",
    "cluster_k_selection",
    "cluster_fixed_k",
    "cluster_silhouette_sample_size",
    "cluster_minibatch_above_rows",
    "cluster_min_size_share",
    "cluster_min_size_count",
    "cluster_dbscan_eps",
    "cluster_dbscan_min_samples",
    "cluster_random_seed",
)


@dataclass(frozen=True)
class ClusterSettings:
    """Validated clustering settings (one field per dbt var, see ``SETTING_VARS``)."""

    grains: tuple[str, ...] = ("customer", "product")
    method_by_grain: tuple[tuple[str, str], ...] = (
        ("customer", "kmeans"),
        ("product", "kmeans"),
        ("customer_product", "kmeans"),
    )
    scaling: str = "robust"
    k_min: int = 2
    k_max: int = 10
    k_selection: str = "silhouette"
    fixed_k: int = 5
    silhouette_sample_size: int = 5000
    minibatch_above_rows: int = 50000
    min_size_share: float = 0.02
    min_size_count: int = 5
    dbscan_eps: float = 0.5
    dbscan_min_samples: int = 10
    random_seed: int = 42

    def method_for(self, grain: str) -> str:
        """The clustering method configured for ``grain``."""
        return dict(self.method_by_grain)[grain]

    def min_cluster_size(self, n_clustered: int) -> int:
        """max(min_size_count, ceil(min_size_share * n_clustered)): the smallest allowed cluster."""
        from math import ceil

        return max(self.min_size_count, ceil(self.min_size_share * n_clustered - 1e-9))


def _parsed(value: Any) -> Any:
    """A config value as a Python value: dbt may hand rendered vars over as strings."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
    return value


def _int(name: str, value: Any, minimum: int) -> int:
    value = _parsed(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
        raise ValueError(f"dbt var {name}={value!r} must be a whole number >= {minimum}.")
    if int(value) < minimum:
        raise ValueError(f"dbt var {name}={value!r} must be >= {minimum}.")
    return int(value)


def _float(name: str, value: Any, low: float, high: float) -> float:
    value = _parsed(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= float(value) <= high:
        raise ValueError(f"dbt var {name}={value!r} must be a number between {low} and {high}.")
    return float(value)


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    value = _parsed(value)
    if value not in allowed:
        raise ValueError(f"dbt var {name}={value!r} must be one of {', '.join(allowed)}.")
    return str(value)


def settings_from_config(get: Callable[[str], Any] | Mapping[str, Any]) -> ClusterSettings:
    """Read and validate the clustering settings.

    ``get`` is ``dbt.config.get`` inside a dbt Python model (or a mapping in tests). A setting that
    is missing (None) keeps the default of :class:`ClusterSettings`.
    """
    lookup = get.get if isinstance(get, Mapping) else get
    defaults = ClusterSettings()
    raw = {name: lookup(name) for name in SETTING_VARS}

    def have(name: str) -> bool:
        return raw[name] is not None

    grains = defaults.grains
    if have("cluster_grains"):
        value = _parsed(raw["cluster_grains"])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or any(g not in GRAINS for g in value):
            raise ValueError(f"dbt var cluster_grains={raw['cluster_grains']!r} must be a list of {', '.join(GRAINS)}.")
        grains = tuple(dict.fromkeys(value))
    methods = tuple(
        (grain, _choice(f"cluster_method_{grain}", raw[f"cluster_method_{grain}"], METHODS)
         if have(f"cluster_method_{grain}") else dict(defaults.method_by_grain)[grain])
        for grain in GRAINS
    )
    k_min = _int("cluster_k_min", raw["cluster_k_min"], 2) if have("cluster_k_min") else defaults.k_min
    k_max = _int("cluster_k_max", raw["cluster_k_max"], 2) if have("cluster_k_max") else defaults.k_max
    if k_max < k_min:
        raise ValueError(f"dbt var cluster_k_max={k_max} must be >= cluster_k_min={k_min}.")
    fixed_k = _int("cluster_fixed_k", raw["cluster_fixed_k"], 2) if have("cluster_fixed_k") else defaults.fixed_k
    k_selection = (_choice("cluster_k_selection", raw["cluster_k_selection"], K_SELECTIONS)
                   if have("cluster_k_selection") else defaults.k_selection)
    if k_selection == "fixed" and not k_min <= fixed_k <= k_max:
        raise ValueError(f"dbt var cluster_fixed_k={fixed_k} must lie in [cluster_k_min, cluster_k_max] = [{k_min}, {k_max}].")
    return ClusterSettings(
        grains=grains,
        method_by_grain=methods,
        scaling=_choice("cluster_scaling", raw["cluster_scaling"], SCALINGS) if have("cluster_scaling") else defaults.scaling,
        k_min=k_min,
        k_max=k_max,
        k_selection=k_selection,
        fixed_k=fixed_k,
        silhouette_sample_size=(_int("cluster_silhouette_sample_size", raw["cluster_silhouette_sample_size"], 10)
                                if have("cluster_silhouette_sample_size") else defaults.silhouette_sample_size),
        minibatch_above_rows=(_int("cluster_minibatch_above_rows", raw["cluster_minibatch_above_rows"], 1)
                              if have("cluster_minibatch_above_rows") else defaults.minibatch_above_rows),
        min_size_share=(_float("cluster_min_size_share", raw["cluster_min_size_share"], 0.0, 0.5)
                        if have("cluster_min_size_share") else defaults.min_size_share),
        min_size_count=(_int("cluster_min_size_count", raw["cluster_min_size_count"], 1)
                        if have("cluster_min_size_count") else defaults.min_size_count),
        dbscan_eps=(_float("cluster_dbscan_eps", raw["cluster_dbscan_eps"], 1e-12, 1e12)
                    if have("cluster_dbscan_eps") else defaults.dbscan_eps),
        dbscan_min_samples=(_int("cluster_dbscan_min_samples", raw["cluster_dbscan_min_samples"], 1)
                            if have("cluster_dbscan_min_samples") else defaults.dbscan_min_samples),
        random_seed=(_int("cluster_random_seed", raw["cluster_random_seed"], 0)
                     if have("cluster_random_seed") else defaults.random_seed),
    )
