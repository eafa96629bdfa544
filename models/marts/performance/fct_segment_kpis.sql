{#
    KPIs per segment and fiscal period against the segment's targets: one row
    per grain (customer, product), published segment, KPI period and KPI
    (int_segment_kpis_assessed). Definitions: doc block kpi_definitions.
#}
with

assessed as (
    select * from {{ ref('int_segment_kpis_assessed') }}
),

final as (
    select
        grain,
        segment_code,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        kpi_name,
        kpi_family,
        better_direction,
        numerator,
        denominator,
        kpi_value,
        target_value,
        target_source,
        attainment,
        gap_to_target,
        is_target_met,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from assessed
)

select * from final
