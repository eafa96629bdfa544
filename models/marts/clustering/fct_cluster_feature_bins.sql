{#
    Mart fct_cluster_feature_bins: int_cluster_feature_bins with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_feature_bins') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(distribution_kind as varchar) as distribution_kind,
        cast(feature_name as varchar) as feature_name,
        cast(bin_number as integer) as bin_number,
        cast(lower_edge as double) as lower_edge,
        cast(upper_edge as double) as upper_edge,
        cast(entity_count as bigint) as entity_count,
        cast(entity_share as double) as entity_share,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
