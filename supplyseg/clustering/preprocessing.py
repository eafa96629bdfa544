"""Feature preprocessing: impute, transform, scale and weight, fitted once and reusable.

Order of the steps, per feature (doc block ``cluster_preprocessing`` says the same for planners):

1. **Impute**: a null value of a used feature takes the feature's median over the rows the
   preprocessing is fitted on (original units). A feature null on every fitted row is dropped
   (listed in ``FittedPreprocessing.dropped_features``).
2. **Transform**: ``none``; ``log1p`` as sign(x) * log1p(|x|), so negative values (a net margin,
   returns netted) stay finite and keep their sign; ``yeo_johnson`` via scikit-learn's
   ``PowerTransformer(standardize=False)`` with its lambda fitted by maximum likelihood.
3. **Scale**: ``robust`` = (x - median) / IQR, ``standard`` = (x - mean) / std (population).
   Guard: a zero IQR falls back to the std, a zero std to 1, so a constant feature contributes
   nothing instead of dividing by zero.
4. **Weight**: the scaled column is multiplied by sqrt(weight), so a weight acts on the squared
   Euclidean distance that k-means, Ward and the silhouette use.

The fitted parameters are kept, so previous centroids given in original units go through
exactly the same steps (:func:`transform_features`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import PowerTransformer

from .settings import SCALINGS, TRANSFORMS


@dataclass(frozen=True)
class FeatureSpec:
    """One used feature: its name, weight (>= 0) and transform."""

    name: str
    weight: float
    transform: str = "log1p"


@dataclass(frozen=True)
class FittedPreprocessing:
    """Parameters fitted by :func:`fit_preprocessing`, one entry per kept feature."""

    features: tuple[str, ...]
    transforms: tuple[str, ...]
    medians: tuple[float, ...]
    yeo_johnson_lambdas: tuple[float | None, ...]
    centers: tuple[float, ...]
    scales: tuple[float, ...]
    sqrt_weights: tuple[float, ...]
    scaling: str
    dropped_features: tuple[str, ...] = ()


def feature_specs_from_weights(weights: pd.DataFrame, grain: str) -> list[FeatureSpec]:
    """The used features of ``grain`` from rows shaped like ``int_cluster_feature_weights``.

    Only rows with ``is_used`` count; features are sorted by name for determinism.
    """
    rows = weights[(weights["grain"] == grain) & weights["is_used"].astype("boolean").fillna(False)]
    specs = []
    for row in rows.sort_values("feature_name").itertuples(index=False):
        transform = str(row.transform)
        if transform not in TRANSFORMS:
            raise ValueError(
                f"int_cluster_feature_weights: grain {grain!r}, feature {row.feature_name!r} has transform "
                f"{transform!r}; allowed: {', '.join(TRANSFORMS)}."
            )
        weight = float(row.weight)
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"int_cluster_feature_weights: grain {grain!r}, feature {row.feature_name!r} has weight {row.weight!r}; "
                "it must be a finite number >= 0."
            )
        specs.append(FeatureSpec(str(row.feature_name), weight, transform))
    return specs


def signed_log1p(values: np.ndarray) -> np.ndarray:
    """sign(x) * log1p(|x|): log1p that is defined (and odd) for negative values."""
    return np.sign(values) * np.log1p(np.abs(values))


def _yeo_johnson(values: np.ndarray, lam: float) -> np.ndarray:
    transformer = PowerTransformer(method="yeo-johnson", standardize=False)
    transformer.lambdas_ = np.array([lam])
    transformer.n_features_in_ = 1
    return transformer.transform(values.reshape(-1, 1)).ravel()


def _transformed(values: np.ndarray, transform: str, lam: float | None) -> np.ndarray:
    if transform == "none":
        return values
    if transform == "log1p":
        return signed_log1p(values)
    assert lam is not None
    return _yeo_johnson(values, lam)


def fit_preprocessing(frame: pd.DataFrame, specs: Sequence[FeatureSpec], scaling: str) -> FittedPreprocessing:
    """Fit imputation medians, Yeo-Johnson lambdas and scaling on the rows of ``frame``."""
    if scaling not in SCALINGS:
        raise ValueError(f"dbt var cluster_scaling={scaling!r} must be one of {', '.join(SCALINGS)}.")
    kept: list[FeatureSpec] = []
    dropped: list[str] = []
    medians, lambdas, centers, scales = [], [], [], []
    for spec in specs:
        if spec.name not in frame.columns:
            raise ValueError(f"feature {spec.name!r} is listed as used in int_cluster_feature_weights but is not a column of the feature table.")
        values = pd.to_numeric(frame[spec.name], errors="raise").astype("float64").to_numpy()
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            dropped.append(spec.name)
            continue
        median = float(np.median(finite))
        filled = np.where(np.isfinite(values), values, median)
        lam: float | None = None
        if spec.transform == "yeo_johnson":
            transformer = PowerTransformer(method="yeo-johnson", standardize=False)
            transformer.fit(filled.reshape(-1, 1))
            lam = float(transformer.lambdas_[0])
        transformed = _transformed(filled, spec.transform, lam)
        if scaling == "robust":
            center = float(np.median(transformed))
            q75, q25 = np.percentile(transformed, [75, 25])
            scale = float(q75 - q25)
            if not scale > 1e-12:
                scale = float(np.std(transformed))
        else:
            center = float(np.mean(transformed))
            scale = float(np.std(transformed))
        if not scale > 1e-12:
            scale = 1.0
        kept.append(spec)
        medians.append(median)
        lambdas.append(lam)
        centers.append(center)
        scales.append(scale)
    return FittedPreprocessing(
        features=tuple(s.name for s in kept),
        transforms=tuple(s.transform for s in kept),
        medians=tuple(medians),
        yeo_johnson_lambdas=tuple(lambdas),
        centers=tuple(centers),
        scales=tuple(scales),
        sqrt_weights=tuple(float(np.sqrt(s.weight)) for s in kept),
        scaling=scaling,
        dropped_features=tuple(dropped),
    )


def transform_features(fitted: FittedPreprocessing, frame: pd.DataFrame) -> np.ndarray:
    """Apply fitted preprocessing to ``frame`` (entities or centroids in original units).

    Returns a float64 matrix with one column per ``fitted.features``.
    """
    columns = []
    for i, name in enumerate(fitted.features):
        values = pd.to_numeric(frame[name], errors="raise").astype("float64").to_numpy()
        filled = np.where(np.isfinite(values), values, fitted.medians[i])
        transformed = _transformed(filled, fitted.transforms[i], fitted.yeo_johnson_lambdas[i])
        columns.append((transformed - fitted.centers[i]) / fitted.scales[i] * fitted.sqrt_weights[i])
    if not columns:
        return np.zeros((len(frame), 0))
    return np.column_stack(columns)


def prepare_features(
    frame: pd.DataFrame, specs: Sequence[FeatureSpec], scaling: str
) -> tuple[np.ndarray, FittedPreprocessing]:
    """Fit the preprocessing on ``frame`` and return (scaled, weighted matrix, fitted preprocessing)."""
    fitted = fit_preprocessing(frame, specs, scaling)
    return transform_features(fitted, frame), fitted
