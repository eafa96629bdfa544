{#
    The fiscal periods KPIs are reported in: the month periods of the calendar
    named by var kpi_calendar_id (REPORTING, or a business unit's own calendar)
    that lie wholly inside the analysis window (end on or before the reference
    date, start after the reference date minus var analysis_window_months).
    Doc block kpi_periods.
#}
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where calendar_id = {{ sql_text_var('kpi_calendar_id') }}
        and period_type = 'month'
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

final as (
    select
        periods.calendar_id,
        periods.period_key as fiscal_period_key,
        periods.fiscal_year,
        periods.period_number as fiscal_period,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period
    from periods
    cross join reference
    where periods.period_end_date <= reference.reference_date
        and periods.period_start_date > {{ dbt.dateadd(
            'month', '-1 * ' ~ sql_number_var('analysis_window_months'), 'reference.reference_date'
        ) }}
)

select * from final
