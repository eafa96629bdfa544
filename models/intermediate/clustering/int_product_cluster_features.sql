{#
    One row of clustering features per product entity (doc block cluster_features);
    zero rows when product is not in var cluster_grains. The logic is the macro cluster_features.
#}
{{ cluster_features('product') }}
