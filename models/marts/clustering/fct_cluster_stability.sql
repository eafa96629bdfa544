{#
    Mart fct_cluster_stability: int_cluster_stability_windows with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_stability_windows') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(window_number as integer) as window_number,
        cast(window_start_date as date) as window_start_date,
        cast(window_end_date as date) as window_end_date,
        cast(compared_with as varchar) as compared_with,
        cast(entities_compared as integer) as entities_compared,
        cast(adjusted_rand_index as double) as adjusted_rand_index,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
