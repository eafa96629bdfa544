"""k scan per clustered grain: inertia, silhouette, Davies-Bouldin, Calinski-Harabasz, chosen k.

Thin: reads the feature tables and weights, calls supplyseg.clustering.k_diagnostics_table.
"""

from supplyseg.clustering import k_diagnostics_table, settings_from_config


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
    feature_tables = [
        dbt.ref("int_customer_cluster_features").df(),
        dbt.ref("int_product_cluster_features").df(),
        dbt.ref("int_customer_product_cluster_features").df(),
    ]
    weights = dbt.ref("int_cluster_feature_weights").df()
    return k_diagnostics_table(feature_tables, weights, settings)
