"""Clustering flow on synthetic blobs with known groups: every method recovers them, k is chosen
right, small clusters merge with a log, ids stay stable, dormant rows stay out, reruns are identical."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits
from sklearn.metrics import adjusted_rand_score

from supplyseg.clustering import (
    ClusterSettings,
    FeatureSpec,
    choose_k,
    cluster_grain,
    match_to_previous,
    merge_small_clusters,
    rolling_stability,
    scan_k,
)
from supplyseg.clustering.tables import (
    fitted_assignments_table,
    k_diagnostics_table,
    stability_windows_table,
)

@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP/BLAS thread: k-means' OpenMP threads spin badly when the test machine's cores are busy."""
    with threadpool_limits(limits=1):
        yield


FEATURES = ["f1", "f2", "f3"]
SPECS = [FeatureSpec(f, 1.0 / 3, "none") for f in FEATURES]
# corners of a tetrahedron: every feature still separates the groups left when one group is removed
CENTERS = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 10.0], [10.0, 0.0, 10.0]])


def blobs(sizes=(60, 50, 40, 30), std=0.4, seed=0, centers=CENTERS) -> pd.DataFrame:
    """Feature rows of well-separated groups; column ``truth`` holds the group."""
    rng = np.random.default_rng(seed)
    parts = []
    for group, size in enumerate(sizes):
        values = centers[group] + rng.normal(0, std, size=(size, centers.shape[1]))
        part = pd.DataFrame(values, columns=FEATURES)
        part["truth"] = group
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["entity_id"] = [f"e{i:04d}" for i in range(len(frame))]
    frame["grain"] = "customer"
    frame["is_dormant"] = False
    return frame


def settings_for(method: str, **changes) -> ClusterSettings:
    base = {"method_by_grain": tuple((g, method) for g in ("customer", "product", "customer_product")),
            "min_size_count": 5, "min_size_share": 0.0, "scaling": "standard", "k_max": 8, "dbscan_eps": 0.8, "dbscan_min_samples": 5}
    base.update(changes)
    return ClusterSettings(**base)


def ids_of(result, frame: pd.DataFrame) -> np.ndarray:
    return result.assignments.set_index("entity_id").loc[frame["entity_id"], "cluster_id"].to_numpy()


@pytest.mark.parametrize("method", ["kmeans", "agglomerative", "dbscan", "hdbscan"])
def test_every_method_recovers_well_separated_blobs(method):
    frame = blobs()
    result = cluster_grain(frame, SPECS, method, settings_for(method))
    assert adjusted_rand_score(frame["truth"], ids_of(result, frame)) == 1.0
    assert result.chosen_k == 4


def test_minibatch_kmeans_above_the_size_var_recovers_blobs(monkeypatch):
    from supplyseg.clustering import methods

    used = []

    class Spy(methods.MiniBatchKMeans):
        def fit_predict(self, *args, **kwargs):
            used.append(self.n_clusters)
            return super().fit_predict(*args, **kwargs)

    monkeypatch.setattr(methods, "MiniBatchKMeans", Spy)
    frame = blobs()
    cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans", minibatch_above_rows=len(frame)))
    assert used == []  # not above the var: plain k-means
    result = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans", minibatch_above_rows=50))
    assert used[-1] == 4 and len(used) == 8  # the scan 2..8 and the fit
    assert adjusted_rand_score(frame["truth"], ids_of(result, frame)) == 1.0


@pytest.mark.parametrize("rule", ["silhouette", "elbow"])
def test_chosen_k_is_the_true_k(rule):
    frame = blobs()
    result = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans", k_selection=rule))
    assert result.chosen_k == 4
    assert list(result.diagnostics["k"]) == list(range(2, 9))
    five = blobs(sizes=(40, 40, 40, 40, 40), centers=np.vstack([CENTERS, [[10.0, 10.0, 10.0]]]))
    assert cluster_grain(five, SPECS, "kmeans", settings_for("kmeans", k_selection=rule)).chosen_k == 5


def test_choose_k_ties_go_to_the_smaller_k_and_fixed_k():
    scan = pd.DataFrame({"k": [2, 3, 4], "inertia": [9.0, 5.0, 4.0], "silhouette": [0.5, 0.7, 0.7 + 1e-15]})
    assert choose_k(scan, "silhouette") == 3
    assert choose_k(scan, "fixed", fixed_k=4) == 4


def test_density_methods_send_noise_to_unclustered():
    frame = blobs()
    outliers = pd.DataFrame({"f1": [40.0, -40.0], "f2": [40.0, 25.0], "f3": [-30.0, 40.0],
                             "truth": [-1, -1], "entity_id": ["z1", "z2"], "grain": "customer", "is_dormant": False})
    frame = pd.concat([frame, outliers], ignore_index=True)
    for method in ("dbscan", "hdbscan"):
        result = cluster_grain(frame, SPECS, method, settings_for(method))
        noise = result.assignments[result.assignments["entity_id"].isin(["z1", "z2"])]
        assert noise["cluster_id"].tolist() == [-1, -1]
        assert set(noise["cluster_kind"]) == {"unclustered"}
        assert noise["distance_to_centroid"].isna().all()
        clustered = result.assignments[~result.assignments["entity_id"].isin(["z1", "z2"])]
        assert (clustered["cluster_id"] >= 1).all()


def test_merge_small_clusters_until_all_meet_the_minimum():
    # three big groups; a group of 4 next to group 1 and one of 6 next to group 2
    centers = np.vstack([CENTERS[:3], [[13.0, 10.0, 0]], [[0, 13.0, 10.0]]])
    frame = blobs(sizes=(50, 50, 50, 4, 6), centers=centers, std=0.2)
    matrix = frame[FEATURES].to_numpy()
    labels = frame["truth"].to_numpy()
    merged, log = merge_small_clusters(matrix, labels, min_size=10)
    assert log.to_dict("records") == [
        {"merge_step": 1, "from_label": 3, "into_label": 1, "from_size": 4},
        {"merge_step": 2, "from_label": 4, "into_label": 2, "from_size": 6},
    ]
    sizes = pd.Series(merged).value_counts()
    assert (sizes >= 10).all() and sorted(sizes.index) == [0, 1, 2]


def test_flow_logs_merges_on_each_member():
    centers = np.vstack([CENTERS[:3], [[13.0, 10.0, 0]]])
    frame = blobs(sizes=(50, 50, 50, 4), centers=centers, std=0.2)
    result = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans", min_size_count=10, k_selection="fixed", fixed_k=4))
    assignments = result.assignments.set_index("entity_id").loc[frame["entity_id"]]
    small = assignments[frame["truth"].to_numpy() == 3]
    assert small["merge_step"].tolist() == [1] * 4
    neighbour_id = assignments.loc[frame["truth"].to_numpy() == 1, "cluster_id"].unique().tolist()
    assert small["cluster_id"].unique().tolist() == neighbour_id
    assert assignments["cluster_id"].value_counts().min() >= 10
    assert assignments["k"].unique().tolist() == [4]


def test_min_size_share_counts_the_clustered_rows():
    frame = blobs(sizes=(100, 100, 100, 8), std=0.3)
    result = cluster_grain(frame, SPECS, "kmeans",
                           settings_for("kmeans", min_size_count=1, min_size_share=0.03, k_selection="fixed", fixed_k=4))
    # ceil(0.03 * 308) = 10 > 8: the small group merges
    assert len(result.merges) == 1 and result.merges["from_size"].iloc[0] == 8


def test_match_to_previous_hand_worked():
    new = np.array([[0.0, 0.0], [10.0, 0.0], [50.0, 50.0]])
    previous = np.array([[10.0, 1.0], [0.0, 1.0]])
    mapping = match_to_previous([0, 1, 2], [30, 20, 10], new, [7, 3], previous)
    assert mapping == {0: (3, True), 1: (7, True), 2: (8, False)}


def test_match_to_previous_never_gives_a_split_cluster_the_id_of_a_gone_one():
    # Group 4 (id 4) has gone; k stayed 4 because group 1 split in two. The assignment pairs the split part
    # with the gone cluster, but that is not its nearest previous centroid: it gets a new id.
    new = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [1.5, 0.0]])
    previous = np.array([[0.0, 0.5], [10.0, 0.5], [0.0, 10.5], [50.0, 50.0]])
    mapping = match_to_previous([0, 1, 2, 3], [30, 20, 20, 10], new, [1, 2, 3, 4], previous)
    assert mapping == {0: (1, True), 1: (2, True), 2: (3, True), 3: (5, False)}


def test_first_run_ids_follow_descending_size():
    frame = blobs(sizes=(30, 60, 45, 20))
    result = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans"))
    ids = pd.Series(ids_of(result, frame))
    by_truth = ids.groupby(frame["truth"]).first().to_dict()
    assert by_truth == {1: 1, 2: 2, 0: 3, 3: 4} or by_truth == {0: 3, 1: 1, 2: 2, 3: 4}
    assert not result.assignments["is_matched_to_previous"].any()


def previous_centroids_from(result, frame: pd.DataFrame) -> pd.DataFrame:
    """Centroids in original units of a published run (what int_cluster_centroids_previous holds)."""
    ids = result.assignments.set_index("entity_id").loc[frame["entity_id"], "cluster_id"].to_numpy()
    means = frame[FEATURES].groupby(ids).mean()
    long = means.reset_index(names="cluster_id").melt(id_vars="cluster_id", var_name="feature_name",
                                                      value_name="centroid_value")
    return long.assign(grain="customer", previous_run_id="run-1")


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
def test_ids_kept_when_one_group_is_removed(method):
    frame = blobs()
    first = cluster_grain(frame, SPECS, method, settings_for(method))
    previous = previous_centroids_from(first, frame)
    shrunk = frame[frame["truth"] != 1].reset_index(drop=True)
    second = cluster_grain(shrunk, SPECS, method, settings_for(method), previous)
    assert second.chosen_k == 3
    before = first.assignments.set_index("entity_id")["cluster_id"]
    after = second.assignments.set_index("entity_id")["cluster_id"]
    assert after.equals(before.loc[after.index])
    assert second.assignments["is_matched_to_previous"].all()


def test_ids_kept_when_rows_are_permuted_and_new_cluster_gets_a_new_id():
    frame = blobs()
    first = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans"))
    previous = previous_centroids_from(first, frame)
    permuted = frame.sample(frac=1.0, random_state=5).reset_index(drop=True)
    second = cluster_grain(permuted, SPECS, "kmeans", settings_for("kmeans"), previous)
    pd.testing.assert_frame_equal(first.assignments.drop(columns="is_matched_to_previous"),
                                  second.assignments.drop(columns="is_matched_to_previous"))
    # previous run knew only three of the groups (ids 1..3 kept), the fourth gets max + 1 = 4... ids start above
    three = previous[previous["cluster_id"] != 4].assign(cluster_id=lambda d: d["cluster_id"] + 10)
    third = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans"), three)
    got = pd.Series(ids_of(third, frame)).groupby(frame["truth"]).first()
    old = pd.Series(ids_of(first, frame)).groupby(frame["truth"]).first()
    expected = old.where(old != 4, 14) + (old != 4) * 10
    assert got.tolist() == expected.tolist()


def structureless(n: int = 300, seed: int = 8) -> pd.DataFrame:
    """Uniform noise: no true clusters, so k-means' answer depends on its seed and on row order."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.uniform(0, 1, size=(n, 3)), columns=FEATURES)
    return frame.assign(entity_id=[f"u{i:04d}" for i in range(n)], grain="customer", is_dormant=False)


@pytest.mark.parametrize("method", ["kmeans", "agglomerative", "dbscan", "hdbscan"])
def test_identical_output_on_rerun_and_on_permuted_rows(method):
    frame = structureless()
    settings = settings_for(method, dbscan_eps=0.2, dbscan_min_samples=4, k_selection="fixed", fixed_k=5)
    first = cluster_grain(frame, SPECS, method, settings)
    second = cluster_grain(frame.copy(), SPECS, method, settings)
    permuted = cluster_grain(frame.sample(frac=1.0, random_state=3), SPECS, method, settings)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    pd.testing.assert_frame_equal(first.diagnostics, second.diagnostics)
    pd.testing.assert_frame_equal(first.assignments, permuted.assignments)
    assert first.assignments["cluster_id"].nunique() > 1


def test_the_seed_matters_on_data_without_clusters():
    """Guards the rerun test above: on this data another seed gives another k-means answer."""
    frame = structureless()
    one = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans", k_selection="fixed", fixed_k=5))
    other = cluster_grain(frame, SPECS, "kmeans",
                          settings_for("kmeans", k_selection="fixed", fixed_k=5, random_seed=43))
    assert adjusted_rand_score(one.assignments["cluster_id"], other.assignments["cluster_id"]) < 1.0


def test_dormant_rows_do_not_enter_the_fit():
    frame = blobs()
    dormant = pd.DataFrame({"f1": [500.0, -500.0, 900.0], "f2": [400.0, 0.0, -800.0], "f3": [0.0, 700.0, 10.0],
                            "truth": -1, "entity_id": ["d1", "d2", "d3"], "grain": "customer", "is_dormant": True})
    with_dormant = pd.concat([frame, dormant], ignore_index=True)
    plain = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans"))
    result = cluster_grain(with_dormant, SPECS, "kmeans", settings_for("kmeans"))
    rows = result.assignments.set_index("entity_id")
    assert rows.loc[["d1", "d2", "d3"], "cluster_id"].tolist() == [0, 0, 0]
    assert set(rows.loc[["d1", "d2", "d3"], "cluster_kind"]) == {"dormant"}
    assert rows.loc[["d1", "d2", "d3"], "initial_cluster_label"].isna().all()
    pd.testing.assert_frame_equal(rows.drop(index=["d1", "d2", "d3"]), plain.assignments.set_index("entity_id"),
                                  check_dtype=False)
    assert result.diagnostics["entity_count"].unique().tolist() == [len(frame)]


def test_scan_k_for_density_methods_reports_the_found_k():
    frame = blobs()
    scan = scan_k(frame[FEATURES].to_numpy(), "dbscan", 2, 10, 42, 5000, dbscan_eps=0.8, dbscan_min_samples=5)
    assert scan["k"].tolist() == [4]


def window_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for number, part in enumerate(frames, start=1):
        start = pd.Timestamp("2024-01-01") + pd.DateOffset(months=3 * (number - 1))
        parts.append(part.assign(window_number=number, window_start_date=start.date(),
                                 window_end_date=(start + pd.DateOffset(months=12) - pd.Timedelta(days=1)).date()))
    return pd.concat(parts, ignore_index=True)


def test_rolling_stability_against_direct_ari():
    frame = blobs()
    full = cluster_grain(frame, SPECS, "kmeans", settings_for("kmeans"))
    full_labels = full.assignments.set_index("entity_id")["cluster_id"]
    same = frame.sample(frac=1.0, random_state=1)
    fewer = frame[frame.index % 3 != 0]
    # third window: groups 0 and 1 swap places with 2 and 3 for half of the entities
    mixed = frame.copy()
    swap = mixed.index % 2 == 0
    mixed.loc[swap, FEATURES] = CENTERS[(mixed.loc[swap, "truth"] + 2) % 4] + 0.1
    windows = window_frame([same, fewer, mixed])
    result = rolling_stability(windows, SPECS, "kmeans", 4, settings_for("kmeans"), full_labels)
    got = result.set_index(["window_number", "compared_with"])
    assert got.loc[(1, "full_window"), "adjusted_rand_index"] == 1.0
    assert got.loc[(2, "previous_window"), "entities_compared"] == len(fewer)
    assert got.loc[(2, "previous_window"), "adjusted_rand_index"] == 1.0
    truth_mixed = np.where(swap, (mixed["truth"] + 2) % 4, mixed["truth"])
    expected = adjusted_rand_score(frame["truth"], truth_mixed)
    assert got.loc[(3, "full_window"), "adjusted_rand_index"] == pytest.approx(expected)
    assert (1, "previous_window") not in got.index


def test_model_tables_have_the_interface_columns_and_empty_inputs_give_empty_tables():
    frame = blobs()
    weights = pd.DataFrame({"grain": "customer", "feature_name": FEATURES, "weight": 1 / 3, "transform": "none",
                            "is_used": True, "drop_reason": None})
    settings = settings_for("kmeans", grains=("customer",))
    empty_features = frame.iloc[0:0]
    diagnostics = k_diagnostics_table([frame, empty_features], weights, settings)
    assert list(diagnostics.columns) == ["grain", "method", "k", "entity_count", "inertia", "silhouette",
                                         "davies_bouldin", "calinski_harabasz", "silhouette_sample_size",
                                         "is_chosen_k", "k_selection_rule"]
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [4]
    previous = pd.DataFrame(columns=["grain", "cluster_id", "feature_name", "centroid_value", "previous_run_id"])
    assignments = fitted_assignments_table([frame], weights, diagnostics, previous, settings)
    assert list(assignments.columns) == ["grain", "entity_id", "cluster_id", "cluster_kind", "initial_cluster_label",
                                         "merge_step", "merged_into_label", "distance_to_centroid",
                                         "is_matched_to_previous", "method", "k"]
    assert adjusted_rand_score(frame["truth"], assignments["cluster_id"]) == 1.0
    windows = window_frame([frame, frame])
    stability = stability_windows_table(windows, weights, assignments, settings)
    assert list(stability.columns) == ["grain", "window_number", "window_start_date", "window_end_date",
                                       "compared_with", "entities_compared", "adjusted_rand_index"]
    assert stability["adjusted_rand_index"].tolist() == [1.0, 1.0, 1.0]
    empty_d = k_diagnostics_table([empty_features], weights, settings)
    empty_a = fitted_assignments_table([empty_features], weights, empty_d, previous, settings)
    empty_s = stability_windows_table(windows.iloc[0:0], weights, empty_a, settings)
    for empty, full_table in ((empty_d, diagnostics), (empty_a, assignments), (empty_s, stability)):
        assert len(empty) == 0 and list(empty.columns) == list(full_table.columns)
        assert empty.dtypes.tolist() == full_table.dtypes.tolist()
        # what DuckDB (dbt-duckdb) makes of the returned frame, even with no rows
        types = duckdb.sql("describe select * from empty").df().set_index("column_name")["column_type"]
        assert set(types[[c for c in empty.columns if c.endswith("_date")]]) <= {"DATE"}
        assert set(types[[c for c in empty.columns if c in ("k", "cluster_id", "window_number")]]) == {"INTEGER"}
        assert set(types[[c for c in empty.columns if c in ("inertia", "adjusted_rand_index",
                                                            "distance_to_centroid")]]) == {"DOUBLE"}


def test_ward_on_a_seeded_sample_above_its_row_limit(monkeypatch):
    from supplyseg.clustering import methods

    frame = blobs()
    matrix = frame[FEATURES].to_numpy()
    monkeypatch.setattr(methods, "AGGLOMERATIVE_MAX_ROWS", 100)
    calls = []
    real_linkage = methods.linkage
    monkeypatch.setattr(methods, "linkage", lambda x, **kw: calls.append(len(x)) or real_linkage(x, **kw))
    labels = methods.fit_labels(matrix, "agglomerative", 4, seed=1)
    assert calls == [100]  # the tree is grown on the sample only
    assert adjusted_rand_score(frame["truth"], labels) == 1.0  # the others join the nearest sample centroid
    assert np.array_equal(labels, methods.fit_labels(matrix, "agglomerative", 4, seed=1))
