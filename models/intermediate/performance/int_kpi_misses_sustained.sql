{#
    One row per grain, segment and KPI for every run of at least
    var kpi_root_cause_consecutive_periods consecutive KPI periods in which
    the KPI missed its target (gap_to_target < 0). A period without a value
    for the KPI breaks the run. Doc block kpi_root_causes.
#}
with

assessed as (
    select * from {{ ref('int_segment_kpis_assessed') }}
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

sequenced_periods as (
    select
        fiscal_period_key,
        row_number() over (order by period_start_date) as period_sequence
    from periods
),

misses as (
    select
        assessed.grain,
        assessed.segment_code,
        assessed.kpi_name,
        assessed.root_cause_measure,
        assessed.fiscal_period_key,
        assessed.period_start_date,
        assessed.period_end_date,
        assessed.gap_to_target,
        sequenced_periods.period_sequence,
        sequenced_periods.period_sequence - row_number() over (
            partition by assessed.grain, assessed.segment_code, assessed.kpi_name
            order by sequenced_periods.period_sequence
        ) as run_number
    from assessed
    inner join sequenced_periods
        on assessed.fiscal_period_key = sequenced_periods.fiscal_period_key
    where not assessed.is_target_met
),

runs as (
    select
        grain,
        segment_code,
        kpi_name,
        root_cause_measure,
        run_number,
        min(period_start_date) as miss_start_date,
        max(period_end_date) as miss_end_date,
        count(*) as missed_period_count,
        avg(gap_to_target) as mean_gap_to_target
    from misses
    group by grain, segment_code, kpi_name, root_cause_measure, run_number
),

final as (
    select
        grain,
        segment_code,
        kpi_name,
        root_cause_measure,
        miss_start_date,
        miss_end_date,
        missed_period_count,
        mean_gap_to_target
    from runs
    where missed_period_count >= {{ sql_number_var('kpi_root_cause_consecutive_periods') }}
)

select * from final
