"""Rolling-window stability: each window re-clustered with the grain's method and chosen k,
adjusted Rand index vs the previous window and vs the full-window clusters.

Thin: reads the windowed features, weights and fitted assignments, calls
supplyseg.clustering.stability_windows_table.
"""

from supplyseg.clustering import settings_from_config, stability_windows_table


def model(dbt, session):
    settings = settings_from_config({
        "cluster_grains": dbt.config.get("cluster_grains"),
        "cluster_method_customer": dbt.config.get("cluster_method_customer"),
        "cluster_method_product": dbt.config.get("cluster_method_product"),
        "cluster_method_customer_product": dbt.config.get("cluster_method_customer_product"),
        "cluster_scaling": dbt.config.get("cluster_scaling"),
        "cluster_k_min": dbt.config.get("cluster_k_min"),
        "cluster_k_max": dbt.config.get("cluster_k_max"),
        "cluster_k_selection": dbt.config.get("cluster_k_selection"),
        "cluster_fixed_k": dbt.config.get("cluster_fixed_k"),
        "cluster_silhouette_sample_size": dbt.config.get("cluster_silhouette_sample_size"),
        "cluster_minibatch_above_rows": dbt.config.get("cluster_minibatch_above_rows"),
        "cluster_min_size_share": dbt.config.get("cluster_min_size_share"),
        "cluster_min_size_count": dbt.config.get("cluster_min_size_count"),
        "cluster_dbscan_eps": dbt.config.get("cluster_dbscan_eps"),
        "cluster_dbscan_min_samples": dbt.config.get("cluster_dbscan_min_samples"),
        "cluster_random_seed": dbt.config.get("cluster_random_seed"),
    })
    windows = dbt.ref("int_cluster_features_by_window").df()
    weights = dbt.ref("int_cluster_feature_weights").df()
    assignments = dbt.ref("int_cluster_assignments_fitted").df()
    return stability_windows_table(windows, weights, assignments, settings)
