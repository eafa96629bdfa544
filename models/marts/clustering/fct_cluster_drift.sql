{#
    Mart fct_cluster_drift: int_cluster_drift_measured with run_id, under a contract.
#}
with

source_rows as (
    select * from {{ ref('int_cluster_drift_measured') }}
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(distribution_kind as varchar) as distribution_kind,
        cast(feature_name as varchar) as feature_name,
        cast(previous_run_id as varchar) as previous_run_id,
        cast(bin_count as bigint) as bin_count,
        cast(population_stability_index as double) as population_stability_index,
        cast(is_above_threshold as boolean) as is_above_threshold,
        bool_or(is_above_threshold) over (partition by grain) as retrain_recommended,
        {{ run_id() }} as run_id
    from source_rows
)

select * from final
