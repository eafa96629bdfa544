-- Every calendar is an unbroken run of dates: each day follows the previous one
-- by exactly one day (no gap, no overlap), and runs from a fiscal-year start to a
-- fiscal-year end. Returns the days that break the run.
with

calendar_days as (
    select * from {{ ref('int_fiscal_calendar_days') }}
),

with_previous as (
    select
        calendar_id,
        date_day,
        fiscal_year_start_date,
        fiscal_year_end_date,
        lag(date_day) over (partition by calendar_id order by date_day) as previous_date_day,
        min(date_day) over (partition by calendar_id) as first_date_day,
        max(date_day) over (partition by calendar_id) as last_date_day
    from calendar_days
)

select
    calendar_id,
    date_day,
    previous_date_day
from with_previous
where (previous_date_day is not null and date_day <> cast({{ dbt.dateadd('day', 1, 'previous_date_day') }} as date))
    or (date_day = first_date_day and date_day <> fiscal_year_start_date)
    or (date_day = last_date_day and date_day <> fiscal_year_end_date)
