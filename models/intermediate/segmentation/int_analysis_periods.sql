{#
    The demand periods of the analysis window: whole periods of the reporting
    calendar (var demand_period: month = fiscal period, week = fiscal week)
    that end on or before var('reference_date') and start after
    reference_date minus var('analysis_window_months') months, numbered 1..N.
#}
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where calendar_id = 'REPORTING'
        and period_type = '{{ var("demand_period") }}'
),

in_window as (
    select
        period_key,
        period_start_date,
        period_end_date,
        days_in_period
    from periods
    where period_end_date <= cast('{{ var("reference_date") }}' as date)
        and period_start_date > {{ dbt.dateadd(
            'month', -1 * var('analysis_window_months') | int, "cast('" ~ var('reference_date') ~ "' as date)"
        ) }}
),

final as (
    select
        period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        row_number() over (order by period_start_date) as window_period_number,
        count(*) over () as window_period_count
    from in_window
)

select * from final
