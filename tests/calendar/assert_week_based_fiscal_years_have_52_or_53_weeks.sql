-- A week-based fiscal year (445, 454, 544) has 364 or 371 days, as many as
-- weeks_in_fiscal_year says, and its weeks are numbered 1..52 or 1..53.
-- Returns the years that do not.
with

calendar_days as (
    select * from {{ ref('int_fiscal_calendar_days') }}
    where calendar_pattern in ('445', '454', '544')
),

fiscal_years as (
    select
        calendar_id,
        fiscal_year,
        weeks_in_fiscal_year,
        count(*) as days_in_year,
        count(distinct fiscal_week) as week_count,
        max(fiscal_week) as last_fiscal_week
    from calendar_days
    group by calendar_id, fiscal_year, weeks_in_fiscal_year
)

select *
from fiscal_years
where days_in_year not in (364, 371)
    or days_in_year <> 7 * weeks_in_fiscal_year
    or week_count <> weeks_in_fiscal_year
    or last_fiscal_week <> weeks_in_fiscal_year
