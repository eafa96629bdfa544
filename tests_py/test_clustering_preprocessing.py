"""Clustering preprocessing, quality measures, kneedle and PSI against hand-computed values and
independent numpy/scipy/scikit-learn computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score

from supplyseg.clustering import (
    FeatureSpec,
    bin_counts,
    kneedle_elbow,
    population_stability_index,
    prepare_features,
    quality_scores,
    settings_from_config,
    transform_features,
    within_cluster_sum_of_squares,
)


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP/BLAS thread: k-means' OpenMP threads spin badly when the test machine's cores are busy."""
    with threadpool_limits(limits=1):
        yield


def test_robust_scaling_matches_hand_values():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
    matrix, fitted = prepare_features(frame, [FeatureSpec("x", 1.0, "none")], "robust")
    # median 3, quartiles 2 and 4 -> IQR 2
    assert matrix[:, 0].tolist() == pytest.approx([-1.0, -0.5, 0.0, 0.5, 48.5])
    assert fitted.centers == (3.0,) and fitted.scales == (2.0,)


def test_standard_scaling_matches_numpy():
    values = np.array([3.0, 7.0, 8.0, 1.0, 11.0])
    matrix, _ = prepare_features(pd.DataFrame({"x": values}), [FeatureSpec("x", 1.0, "none")], "standard")
    assert matrix[:, 0] == pytest.approx((values - values.mean()) / values.std())


def test_zero_iqr_falls_back_to_std_and_constant_column_to_one():
    frame = pd.DataFrame({"spiky": [0.0, 0.0, 0.0, 0.0, 5.0], "constant": [2.0] * 5})
    specs = [FeatureSpec("spiky", 1.0, "none"), FeatureSpec("constant", 1.0, "none")]
    matrix, fitted = prepare_features(frame, specs, "robust")
    # IQR of spiky is 0: scale = population std = 2.0; constant: std 0 -> scale 1, all zeros
    assert matrix[:, 0].tolist() == pytest.approx([0, 0, 0, 0, 2.5])
    assert matrix[:, 1].tolist() == [0.0] * 5
    assert np.isfinite(matrix).all() and fitted.scales == (2.0, 1.0)


def test_log1p_keeps_sign_of_negative_values():
    frame = pd.DataFrame({"margin": [-3.0, 0.0, 3.0]})
    fitted = prepare_features(frame, [FeatureSpec("margin", 1.0, "log1p")], "standard")[1]
    expected = np.array([-math.log(4.0), 0.0, math.log(4.0)])
    assert transform_features(fitted, frame)[:, 0] == pytest.approx(expected / expected.std())


def test_yeo_johnson_matches_scipy_maximum_likelihood():
    values = np.array([-2.0, 0.0, 0.5, 1.0, 3.0, 10.0, 40.0, 200.0])
    matrix, fitted = prepare_features(pd.DataFrame({"x": values}), [FeatureSpec("x", 1.0, "yeo_johnson")], "standard")
    transformed, lam = stats.yeojohnson(values)
    assert fitted.yeo_johnson_lambdas[0] == pytest.approx(lam, rel=1e-4)
    assert matrix[:, 0] == pytest.approx((transformed - transformed.mean()) / transformed.std(), rel=1e-4, abs=1e-6)


def test_weights_act_on_squared_distances():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [5.0, 1.0, 4.0, 0.0]})
    plain, _ = prepare_features(frame, [FeatureSpec("a", 1.0, "none"), FeatureSpec("b", 1.0, "none")], "standard")
    weighted, _ = prepare_features(frame, [FeatureSpec("a", 4.0, "none"), FeatureSpec("b", 1.0, "none")], "standard")
    d_plain = ((plain[0] - plain[3]) ** 2)
    d_weighted = ((weighted[0] - weighted[3]) ** 2)
    assert d_weighted[0] == pytest.approx(4.0 * d_plain[0]) and d_weighted[1] == pytest.approx(d_plain[1])


def test_nulls_take_the_median_and_all_null_features_drop():
    frame = pd.DataFrame({"x": [1.0, None, 3.0, 10.0], "empty": [None, None, None, None]})
    matrix, fitted = prepare_features(frame, [FeatureSpec("x", 1.0, "none"), FeatureSpec("empty", 1.0, "none")], "robust")
    assert fitted.features == ("x",) and fitted.dropped_features == ("empty",)
    assert fitted.medians == (3.0,)
    # filled 1, 3, 3, 10: median 3, quartiles 2.5 and 4.75 (numpy linear) -> IQR 2.25
    assert matrix[:, 0].tolist() == pytest.approx([(1 - 3) / 2.25, 0.0, 0.0, (10 - 3) / 2.25])
    assert matrix[1, 0] == matrix[2, 0]  # the null row sits on the median row


def test_centroids_in_original_units_go_through_the_same_steps():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.lognormal(2, 1, 50), "b": rng.normal(0, 5, 50)})
    specs = [FeatureSpec("a", 0.7, "yeo_johnson"), FeatureSpec("b", 0.3, "log1p")]
    matrix, fitted = prepare_features(frame, specs, "robust")
    again = transform_features(fitted, frame.iloc[[4, 9]].reset_index(drop=True))
    assert np.array_equal(again, matrix[[4, 9]])


def test_within_cluster_sum_of_squares_equals_kmeans_inertia():
    x, _ = make_blobs(n_samples=120, centers=3, random_state=0)
    model = KMeans(n_clusters=3, n_init=3, random_state=0).fit(x)
    assert within_cluster_sum_of_squares(x, model.labels_) == pytest.approx(model.inertia_, rel=1e-6)
    # noise rows (-1) far away add nothing
    with_noise = np.vstack([x, [[100.0, 100.0], [-100.0, 50.0]]])
    labels = np.concatenate([model.labels_, [-1, -1]])
    assert within_cluster_sum_of_squares(with_noise, labels) == pytest.approx(model.inertia_, rel=1e-6)


def test_silhouette_on_a_seeded_sample():
    x, y = make_blobs(n_samples=600, centers=3, cluster_std=3.0, random_state=2)
    first = quality_scores(x, y, silhouette_sample_size=100, seed=11)
    second = quality_scores(x, y, silhouette_sample_size=100, seed=11)
    other = quality_scores(x, y, silhouette_sample_size=100, seed=12)
    assert first == second
    assert first["silhouette_sample_size"] == 100
    assert first["silhouette"] == pytest.approx(silhouette_score(x, y, sample_size=100, random_state=11))
    assert other["silhouette"] != first["silhouette"]
    assert quality_scores(x, y, 5000, 11)["silhouette"] == pytest.approx(silhouette_score(x, y))


def test_kneedle_elbow_hand_worked():
    # k 2..6, inertia 100, 30, 20, 15, 12: normalised distances below the diagonal
    # 0, 0.75-0.2045=0.5455, 0.5-0.0909=0.4091, 0.25-0.0341=0.2159, 0 -> elbow at k=3
    assert kneedle_elbow([2, 3, 4, 5, 6], [100, 30, 20, 15, 12]) == 3
    # a straight line has no elbow: ties everywhere -> smallest k
    assert kneedle_elbow([2, 3, 4], [30, 20, 10]) == 2


def test_psi_hand_computed_from_counts_and_from_values():
    # shares 0.5/0.3/0.2 vs 0.4/0.3/0.3: 0.1*ln(0.8/... ) written out
    expected_value = (0.4 - 0.5) * math.log(0.4 / 0.5) + 0.0 + (0.3 - 0.2) * math.log(0.3 / 0.2)
    assert population_stability_index([50, 30, 20], [40, 30, 30]) == pytest.approx(expected_value)
    assert expected_value == pytest.approx(0.0628609, abs=1e-7)
    expected_values = [0.5] * 50 + [1.5] * 30 + [2.5] * 20
    actual_values = [-7.0] * 40 + [1.0] * 30 + [3.0] * 30  # below the first / at the last edge: end bins
    assert population_stability_index(expected_values, actual_values, edges=[0, 1, 2, 3]) == pytest.approx(expected_value)
    assert bin_counts([0.0, 1.0, 2.999, 3.0, 9.0, None], [0, 1, 2, 3]).tolist() == [1, 1, 3]


def test_psi_empty_bin_uses_epsilon():
    eps = 1e-4
    hand = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - eps) * math.log(0.5 / eps)
    assert population_stability_index([10, 0], [5, 5], epsilon=eps) == pytest.approx(hand)
    assert population_stability_index([3, 4, 5], [3, 4, 5]) == 0.0


def test_bad_settings_name_the_var():
    with pytest.raises(ValueError, match="cluster_method_product"):
        settings_from_config({"cluster_method_product": "spectral"})
    with pytest.raises(ValueError, match="cluster_k_max"):
        settings_from_config({"cluster_k_min": "6", "cluster_k_max": "3"})
    with pytest.raises(ValueError, match="cluster_grains"):
        settings_from_config({"cluster_grains": "['customer', 'store']"})
    settings = settings_from_config({"cluster_grains": "['customer']", "cluster_k_max": "8", "cluster_min_size_share": "0.05"})
    assert settings.grains == ("customer",) and settings.k_max == 8 and settings.min_size_share == 0.05
    assert settings.min_cluster_size(1000) == 50 and settings.min_cluster_size(10) == 5
    assert settings.min_cluster_size(1010) == 51  # ceil(50.5)
