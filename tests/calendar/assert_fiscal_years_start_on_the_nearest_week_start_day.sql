-- Checks the year-start rule independently of the model's macros. A week-based
-- fiscal year starts on the configured week-start day (var fiscal_week_start_isodow)
-- and at most 3 days before or after the 1st of the start month; only one
-- week-start day lies in that 7-day window, so this pins the start. A gregorian
-- year starts on the 1st of the start month. Returns the years that do not.
with

fiscal_years as (
    select distinct
        calendar_id,
        calendar_pattern,
        fiscal_year_start_month,
        fiscal_year,
        fiscal_year_start_date
    from {{ ref('int_fiscal_periods') }}
),

with_anchor as (
    select
        *,
        -- The only 1st of a month that can lie within 3 days of the start.
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 3, 'fiscal_year_start_date')) }} as date) as anchor_date
    from fiscal_years
)

select *
from with_anchor
where (calendar_pattern in ('445', '454', '544') and (
    extract(isodow from fiscal_year_start_date) <> {{ sql_number_var('fiscal_week_start_isodow') }}
    or extract(month from anchor_date) <> fiscal_year_start_month
    or anchor_date < cast({{ dbt.dateadd('day', -3, 'fiscal_year_start_date') }} as date)
))
or (calendar_pattern = 'gregorian' and (
    extract(day from fiscal_year_start_date) <> 1
    or extract(month from fiscal_year_start_date) <> fiscal_year_start_month
))
