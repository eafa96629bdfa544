{#
    Mart fct_cluster_profiles: int_cluster_profiles with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_profiles') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(cluster_id as integer) as cluster_id,
        cast(cluster_name as varchar) as cluster_name,
        cast(cluster_kind as varchar) as cluster_kind,
        cast(feature_name as varchar) as feature_name,
        cast(direction as varchar) as direction,
        cast(name_word as varchar) as name_word,
        cast(entity_count as bigint) as entity_count,
        cast(entity_with_value_count as bigint) as entity_with_value_count,
        cast(centroid_value as double) as centroid_value,
        cast(population_mean as double) as population_mean,
        cast(population_stddev as double) as population_stddev,
        cast(z_score as double) as z_score,
        cast(abs_z_rank as bigint) as abs_z_rank,
        cast(cluster_share as double) as cluster_share,
        cast(clustered_share as double) as clustered_share,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
