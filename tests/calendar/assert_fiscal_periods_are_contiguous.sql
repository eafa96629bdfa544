-- Within a calendar and period type, periods numbered by period_sequence follow
-- each other without gap or overlap (each starts the day after the previous one
-- ends), and period_sequence runs 1..n. Later models count and fill periods on it.
with

fiscal_periods as (
    select * from {{ ref('int_fiscal_periods') }}
),

with_previous as (
    select
        calendar_id,
        period_type,
        period_key,
        period_sequence,
        period_start_date,
        lag(period_end_date) over (partition by calendar_id, period_type order by period_sequence)
            as previous_period_end_date,
        count(*) over (partition by calendar_id, period_type) as period_count,
        max(period_sequence) over (partition by calendar_id, period_type) as last_period_sequence
    from fiscal_periods
)

select *
from with_previous
where
    (
        previous_period_end_date is not null
        and period_start_date <> cast({{ dbt.dateadd('day', 1, 'previous_period_end_date') }} as date)
    )
    or last_period_sequence <> period_count
    or (previous_period_end_date is null and period_sequence <> 1)
