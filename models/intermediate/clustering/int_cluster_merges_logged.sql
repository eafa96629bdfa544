{#
    The minimum-size merges of int_cluster_assignments_fitted as a log, one
    row per grain and merge step (doc block clustering_minimum_size): which
    initial cluster merged into which, how many entities it moved and the
    cluster id they carry at the end.
#}
with

assignments as (
    select * from {{ ref('int_cluster_assignments_fitted') }}
),

final as (
    select
        grain,
        merge_step,
        initial_cluster_label,
        merged_into_label,
        method,
        k,
        count(*) as merged_entity_count,
        min(cluster_id) as final_cluster_id
    from assignments
    where merge_step is not null
    group by grain, merge_step, initial_cluster_label, merged_into_label, method, k
)

select * from final
