{#
    Mart fct_cluster_diagnostics: int_cluster_k_diagnostics with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_k_diagnostics') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(method as varchar) as method,  -- noqa: RF04
        cast(k as integer) as k,
        cast(entity_count as integer) as entity_count,
        cast(inertia as double) as inertia,
        cast(silhouette as double) as silhouette,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(silhouette_sample_size as integer) as silhouette_sample_size,
        cast(is_chosen_k as boolean) as is_chosen_k,
        cast(k_selection_rule as varchar) as k_selection_rule,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
