-- Fiscal periods have the lengths their pattern gives. Week-based: 4 or 5 whole
-- weeks as the pattern splits the quarter (28 or 35 days), plus one week in
-- period 12 of a 53-week year (so 42 days only there). Gregorian: the calendar
-- month, starting on its 1st. Returns the periods that do not.
with

fiscal_months as (
    select * from {{ ref('int_fiscal_periods') }}
    where period_type = 'month'
),

expected_weeks as (
    select
        *,
        case calendar_pattern
            when '445' then case mod(period_number - 1, 3) when 2 then 5 else 4 end
            when '454' then case mod(period_number - 1, 3) when 1 then 5 else 4 end
            when '544' then case mod(period_number - 1, 3) when 0 then 5 else 4 end
        end
        + case when period_number = 12 and is_53_week_year then 1 else 0 end as expected_week_count
    from fiscal_months
)

select
    calendar_id,
    calendar_pattern,
    period_key,
    period_start_date,
    period_end_date,
    days_in_period,
    expected_week_count
from expected_weeks
where (calendar_pattern <> 'gregorian' and days_in_period <> 7 * expected_week_count)
    or (calendar_pattern = 'gregorian' and (
        period_start_date <> cast({{ dbt.date_trunc('month', 'period_start_date') }} as date)
        or period_end_date <> cast({{ dbt.dateadd(
            'day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', 'period_start_date'))
        ) }} as date)
    ))
