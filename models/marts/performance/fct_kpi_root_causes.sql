{#
    Where an analyst starts when a KPI keeps missing: for every run of at
    least var kpi_root_cause_consecutive_periods missed periods of a segment's
    KPI, the entities contributing most to the miss, ranked
    (int_kpi_root_causes_ranked; doc block kpi_root_causes).
#}
with

ranked as (
    select * from {{ ref('int_kpi_root_causes_ranked') }}
),

final as (
    select
        grain,
        segment_code,
        kpi_name,
        miss_start_date,
        miss_end_date,
        missed_period_count,
        mean_gap_to_target,
        root_cause_measure,
        contribution_rank,
        entity_id,
        contribution_value,
        miss_total_value,
        contribution_share,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from ranked
)

select * from final
