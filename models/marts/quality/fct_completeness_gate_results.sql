{#
    One row per completeness gate of seed completeness_gates: the share this
    load measured, where, the minimum and whether the gate passed
    (int_completeness_gate_results, doc block completeness_gates). Published
    so that readers (the monitoring report) see the gates of the published
    run without opening the working database.
#}
with

gate_results as (
    select * from {{ ref('int_completeness_gate_results') }}
),

final as (
    select
        cast(gate_id as varchar) as gate_id,
        cast(measure as varchar) as measure,
        cast(scope as varchar) as scope,
        cast(severity as varchar) as severity,
        cast(description as varchar) as description,
        cast(min_share as double) as min_share,
        cast(measured_share as double) as measured_share,
        cast(measured_at as varchar) as measured_at,
        cast(measured_count as bigint) as measured_count,
        cast(measured_base_count as bigint) as measured_base_count,
        cast(missing_members as varchar) as missing_members,
        cast(load_share as double) as load_share,
        cast(is_passed as boolean) as is_passed,
        cast(result_message as varchar) as result_message,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from gate_results
)

select * from final
