{#
    The demand periods of the analysis window: whole periods of the reporting
    calendar (var demand_period: month = fiscal period, week = fiscal week)
    that end on or before the reference date (int_reference_date) and start after
    reference_date minus var('analysis_window_months') months, numbered 1..N.
    A period shorter than var('min_days_in_demand_period') days (the one- or
    two-day week 53 of a gregorian year) is merged into the period before it
    (after it, when it opens the window), so a short period does not count as a
    low-demand period in XYZ and demand patterns.
#}
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where calendar_id = 'REPORTING'
        and period_type = {{ sql_text_var('demand_period') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

in_window as (
    select
        periods.period_key,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period
    from periods
    cross join reference
    where periods.period_end_date <= reference.reference_date
        and periods.period_start_date > {{ dbt.dateadd(
            'month', '-1 * ' ~ sql_number_var('analysis_window_months'), 'reference.reference_date'
        ) }}
),

positioned as (
    select
        period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        days_in_period < {{ sql_number_var('min_days_in_demand_period') }} as is_short_period,
        row_number() over (order by period_start_date) as position_in_window
    from in_window
),

merged as (
    select
        period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        is_short_period,
        case
            when not is_short_period then position_in_window
            when position_in_window > 1 then position_in_window - 1
            else position_in_window + 1
        end as merged_position
    from positioned
),

final as (
    select
        max(case when not is_short_period then period_key end) as period_key,
        min(period_start_date) as period_start_date,
        max(period_end_date) as period_end_date,
        sum(days_in_period) as days_in_period,
        count(*) - 1 as merged_short_period_count,
        row_number() over (order by min(period_start_date)) as window_period_number,
        count(*) over () as window_period_count
    from merged
    group by merged_position
)

select * from final
