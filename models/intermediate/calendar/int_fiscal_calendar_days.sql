{#
    One row per calendar and date: every day of the fiscal years in
    int_fiscal_periods, with its fiscal year, quarter, period and week
    (doc block fiscal_calendar_rule). The fiscal weeks partition each year, so
    the days are their dates; the fiscal period is the month period holding
    the day (none for an unknown pattern, which the tests then catch).
#}
with

fiscal_periods as (
    select * from {{ ref('int_fiscal_periods') }}
),

fiscal_weeks as (
    select * from fiscal_periods
    where period_type = 'week'
),

fiscal_months as (
    select * from fiscal_periods
    where period_type = 'month'
),

day_offsets as (
    {{ calendar_integer_series('day_offset', 0, 6) }}
),

week_days as (
    select
        fiscal_weeks.calendar_id,
        fiscal_weeks.calendar_pattern,
        fiscal_weeks.fiscal_year_start_month,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'fiscal_weeks.period_start_date') }} as date) as date_day,
        fiscal_weeks.fiscal_year,
        fiscal_weeks.period_number as fiscal_week,
        fiscal_weeks.period_start_date as fiscal_week_start_date,
        fiscal_weeks.period_key as fiscal_week_key,
        fiscal_weeks.fiscal_year_start_date,
        fiscal_weeks.fiscal_year_end_date,
        fiscal_weeks.weeks_in_fiscal_year,
        fiscal_weeks.is_53_week_year
    from fiscal_weeks
    inner join day_offsets
        on fiscal_weeks.days_in_period > day_offsets.day_offset
),

final as (
    select
        week_days.calendar_id,
        week_days.calendar_pattern,
        week_days.fiscal_year_start_month,
        week_days.date_day,
        week_days.fiscal_year,
        cast(floor((fiscal_months.period_number - 1) / 3.0) as {{ dbt.type_int() }}) + 1 as fiscal_quarter,
        fiscal_months.period_number as fiscal_period,
        week_days.fiscal_week,
        week_days.fiscal_year_start_date,
        week_days.fiscal_year_end_date,
        fiscal_months.period_start_date as fiscal_period_start_date,
        fiscal_months.period_end_date as fiscal_period_end_date,
        week_days.fiscal_week_start_date,
        week_days.weeks_in_fiscal_year,
        week_days.is_53_week_year,
        fiscal_months.period_key as fiscal_period_key,
        week_days.fiscal_week_key
    from week_days
    left join fiscal_months
        on week_days.calendar_id = fiscal_months.calendar_id
            and week_days.fiscal_year = fiscal_months.fiscal_year
            and week_days.date_day between fiscal_months.period_start_date and fiscal_months.period_end_date
)

select * from final
