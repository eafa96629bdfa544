{#
    One row of clustering features per customer entity (doc block cluster_features);
    zero rows when customer is not in var cluster_grains. The logic is the macro cluster_features.
#}
{{ cluster_features('customer') }}
