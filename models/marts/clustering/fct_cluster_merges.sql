{#
    Mart fct_cluster_merges: int_cluster_merges_logged with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_merges_logged') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(merge_step as integer) as merge_step,
        cast(initial_cluster_label as integer) as initial_cluster_label,
        cast(merged_into_label as integer) as merged_into_label,
        cast(merged_entity_count as bigint) as merged_entity_count,
        cast(final_cluster_id as integer) as final_cluster_id,
        cast(method as varchar) as method,  -- noqa: RF04
        cast(k as integer) as k,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
