{#
    One row per capability of the product: its status (computed by a model,
    input present but measure not built, input missing), whether this load
    supports it, how much of its basis has the data, and in plain words why not. This is where
    a thin extract is told what could not be computed and why. Behaviour clustering adds one
    row per clustered grain (clustering_<grain>) naming the features this load had to drop.
#}
with

assessed_inputs as (
    select * from {{ ref('int_data_capabilities_assessed') }}
),

cluster_capabilities as (
    select * from {{ ref('int_cluster_capabilities_assessed') }}
),

assessed as (
    select
        capability,
        used_for,
        required_inputs,
        capability_status,
        computed_by,
        is_available,
        coverage_share,
        covered_count,
        coverage_base_count,
        coverage_basis,
        min_coverage_share,
        unavailable_reason
    from assessed_inputs
    union all
    select
        capability,
        used_for,
        required_inputs,
        capability_status,
        computed_by,
        capability_status = 'computed' as is_available,
        coverage_share,
        covered_count,
        coverage_base_count,
        coverage_basis,
        cast(1 as double) as min_coverage_share,
        unavailable_reason
    from cluster_capabilities
),

final as (
    select
        capability,
        used_for,
        required_inputs,
        capability_status,
        computed_by,
        is_available,
        coverage_share,
        covered_count,
        coverage_base_count,
        coverage_basis,
        min_coverage_share,
        unavailable_reason,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from assessed
)

select * from final
