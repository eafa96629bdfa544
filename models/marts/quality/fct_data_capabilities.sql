{#
    One row per capability of the product: its status (computed by a model,
    input present but measure not built, input missing), whether this load
    supports it, how much of its basis has the data, and in plain words why not. This is where
    a thin extract is told what could not be computed and why.
#}
with

assessed as (
    select * from {{ ref('int_data_capabilities_assessed') }}
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
