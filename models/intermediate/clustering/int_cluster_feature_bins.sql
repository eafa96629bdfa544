{#
    This run's bins for drift monitoring (doc block cluster_drift), published
    in fct_cluster_feature_bins for the next run:
      - distribution_kind 'feature': var cluster_psi_bins quantile bins of
        every used feature over the grain's non-dormant entities with a
        value; equal edges are merged, the first bin is open below and the
        last open above, and entity_share is the share of those entities
        whose value falls in the bin (lower < value <= upper);
      - distribution_kind 'cluster': one bin per cluster id (dormant and
        unclustered included) with its share of the grain's entities.
#}
{%- set features = cluster_feature_names() -%}

with

assignments as (
    select * from {{ ref('int_cluster_assignments_fitted') }}
),

customer_features as (
    select * from {{ ref('int_customer_cluster_features') }}
),

product_features as (
    select * from {{ ref('int_product_cluster_features') }}
),

customer_product_features as (
    select * from {{ ref('int_customer_product_cluster_features') }}
),

feature_weights as (
    select * from {{ ref('int_cluster_feature_weights') }}
    where is_used
),

all_features as (
    select * from customer_features
    union all
    select * from product_features
    union all
    select * from customer_product_features
),

long_values as (
    {%- for feature in features %}
        select
            grain,
            entity_id,
            '{{ feature }}' as feature_name,
            {{ comparable(feature) }} as feature_value
        from all_features
        where not is_dormant and {{ feature }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

used_values as (
    select long_values.*
    from long_values
    inner join feature_weights
        on long_values.grain = feature_weights.grain
            and long_values.feature_name = feature_weights.feature_name
),

tiled as (
    select
        grain,
        feature_name,
        feature_value,
        ntile({{ sql_number_var('cluster_psi_bins') }}) over (
            partition by grain, feature_name order by feature_value, entity_id
        ) as tile_number
    from used_values
),

tile_edges as (
    select distinct
        grain,
        feature_name,
        max(feature_value) over (partition by grain, feature_name, tile_number) as upper_edge
    from tiled
),

edges as (
    select
        grain,
        feature_name,
        upper_edge,
        row_number() over (partition by grain, feature_name order by upper_edge) as bin_number,
        count(*) over (partition by grain, feature_name) as bin_count
    from tile_edges
),

feature_bins as (
    select
        grain,
        feature_name,
        bin_number,
        lag(upper_edge) over (partition by grain, feature_name order by bin_number) as lower_edge,
        case when bin_number < bin_count then upper_edge end as upper_edge
    from edges
),

binned_counts as (
    select
        feature_bins.grain,
        feature_bins.feature_name,
        feature_bins.bin_number,
        count(used_values.entity_id) as entity_count
    from feature_bins
    left join used_values
        on feature_bins.grain = used_values.grain
            and feature_bins.feature_name = used_values.feature_name
            and (feature_bins.lower_edge is null or feature_bins.lower_edge < used_values.feature_value)
            and (feature_bins.upper_edge is null or feature_bins.upper_edge >= used_values.feature_value)
    group by feature_bins.grain, feature_bins.feature_name, feature_bins.bin_number
),

feature_rows as (
    select
        feature_bins.grain,
        'feature' as distribution_kind,
        feature_bins.feature_name,
        feature_bins.bin_number,
        feature_bins.lower_edge,
        feature_bins.upper_edge,
        binned_counts.entity_count,
        cast(binned_counts.entity_count as double)
        / sum(binned_counts.entity_count) over (partition by feature_bins.grain, feature_bins.feature_name)
            as entity_share
    from feature_bins
    inner join binned_counts
        on feature_bins.grain = binned_counts.grain
            and feature_bins.feature_name = binned_counts.feature_name
            and feature_bins.bin_number = binned_counts.bin_number
),

cluster_rows as (
    select
        grain,
        'cluster' as distribution_kind,
        'cluster_id' as feature_name,
        cluster_id as bin_number,
        cast(cluster_id as double) as lower_edge,
        cast(cluster_id as double) as upper_edge,
        count(*) as entity_count,
        cast(count(*) as double) / sum(count(*)) over (partition by grain) as entity_share
    from assignments
    group by grain, cluster_id
),

final as (
    select * from feature_rows
    union all
    select * from cluster_rows
)

select * from final
