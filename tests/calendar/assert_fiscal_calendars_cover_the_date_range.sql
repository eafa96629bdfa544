-- Every valid business unit and the REPORTING calendar have a calendar, and each
-- covers the date range in whole fiscal years: from the fiscal year holding the
-- earliest valid order date (but not before the reference date, int_reference_date,
-- minus analysis_window_months + 24 months) to the one holding the reference date
-- plus one year, and no year more. Returns the calendars that do not.
{%- set reference_date = 'reference.reference_date' %}
{%- set history_months = validated_var('analysis_window_months') + 24 %}
with

business_units as (
    select * from {{ ref('int_business_units_conformed') }}
),

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
    where rejection_reason is null
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

calendar_days as (
    select * from {{ ref('int_fiscal_calendar_days') }}
),

expected_calendars as (
    select business_unit_id as calendar_id from business_units
    union all
    select 'REPORTING' as calendar_id
),

date_range as (
    select
        greatest(
            coalesce(min(order_lines.order_date), cast({{ dbt.dateadd(
                'month', -1 * history_months, reference_date
            ) }} as date)),
            cast({{ dbt.dateadd('month', -1 * history_months, reference_date) }} as date)
        ) as range_start_date,
        cast({{ dbt.dateadd('year', 1, reference_date) }} as date) as range_end_date
    from reference
    left join order_lines
        on true
    group by reference.reference_date
),

calendar_bounds as (
    select
        calendar_id,
        min(date_day) as first_date_day,
        max(date_day) as last_date_day,
        min(fiscal_year_end_date) as first_fiscal_year_end_date,
        max(fiscal_year_start_date) as last_fiscal_year_start_date
    from calendar_days
    group by calendar_id
)

select
    expected_calendars.calendar_id,
    calendar_bounds.first_date_day,
    calendar_bounds.last_date_day,
    date_range.range_start_date,
    date_range.range_end_date
from expected_calendars
cross join date_range
left join calendar_bounds
    on expected_calendars.calendar_id = calendar_bounds.calendar_id
where calendar_bounds.calendar_id is null
    or calendar_bounds.first_date_day > least(date_range.range_start_date, date_range.range_end_date)
    or calendar_bounds.last_date_day < date_range.range_end_date
    or calendar_bounds.first_fiscal_year_end_date < least(date_range.range_start_date, date_range.range_end_date)
    or calendar_bounds.last_fiscal_year_start_date > date_range.range_end_date
