{#
    The fiscal periods ('month') and fiscal weeks ('week') of every calendar:
    one per valid business unit, with its own pattern and start month, and the
    REPORTING calendar from the vars. The rule is the doc block
    fiscal_calendar_rule; int_fiscal_calendar_days expands these rows into days.
#}
{%- set settings = fiscal_calendar_settings() -%}
{%- set reference_date = 'reference.reference_date' -%}
{%- set history_months = validated_var('analysis_window_months') + 24 -%}
{%- set history_floor_date = "cast(" ~ dbt.dateadd('month', -1 * history_months, reference_date) ~ " as date)" -%}
{%- set range_end_date = "cast(" ~ dbt.dateadd('year', 1, reference_date) ~ " as date)" -%}
{#- Anchor years tried per calendar: one before the range's first year to one after its last. -#}
{%- set max_anchor_offset = (history_months + 12) // 12 + 3 -%}
{%- set days_to_next_year = dbt.datediff('fiscal_year_start_date', 'next_fiscal_year_start_date', 'day') -%}

with

business_units as (
    select * from {{ ref('int_business_units_conformed') }}
),

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
    where rejection_reason is null
),

calendars as (
    select
        business_unit_id as calendar_id,
        fiscal_calendar_pattern as calendar_pattern,
        fiscal_year_start_month
    from business_units

    union all

    select
        'REPORTING' as calendar_id,
        '{{ settings.reporting_pattern }}' as calendar_pattern,
        {{ settings.reporting_start_month }} as fiscal_year_start_month
),

first_order as (
    select min(order_date) as first_order_date
    from order_lines
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

date_range as (
    select
        least(
            greatest(coalesce(first_order.first_order_date, {{ history_floor_date }}), {{ history_floor_date }}),
            {{ range_end_date }}
        ) as range_start_date,
        {{ range_end_date }} as range_end_date
    from first_order
    cross join reference
),

anchor_offsets as (
    {{ calendar_integer_series('anchor_offset', 0, max_anchor_offset) }}
),

anchor_years as (
    select
        calendars.calendar_id,
        calendars.calendar_pattern,
        calendars.fiscal_year_start_month,
        date_range.range_start_date,
        date_range.range_end_date,
        cast(extract(year from date_range.range_start_date) as {{ dbt.type_int() }})
        - 1 + anchor_offsets.anchor_offset as anchor_year
    from calendars
    cross join date_range
    cross join anchor_offsets
    where anchor_offsets.anchor_offset
        <= cast(extract(year from date_range.range_end_date) as {{ dbt.type_int() }})
        - cast(extract(year from date_range.range_start_date) as {{ dbt.type_int() }}) + 2
),

year_starts as (
    select
        calendar_id,
        calendar_pattern,
        fiscal_year_start_month,
        range_start_date,
        range_end_date,
        anchor_year,
        {{ fiscal_year_label('anchor_year', 'fiscal_year_start_month', settings.year_label) }} as fiscal_year,
        {{ fiscal_year_start_date(
            'calendar_pattern', 'anchor_year', 'fiscal_year_start_month', settings.week_start_isodow
        ) }} as fiscal_year_start_date,
        {{ fiscal_year_start_date(
            'calendar_pattern', 'anchor_year + 1', 'fiscal_year_start_month', settings.week_start_isodow
        ) }} as next_fiscal_year_start_date
    from anchor_years
),

fiscal_years as (
    select
        calendar_id,
        calendar_pattern,
        fiscal_year_start_month,
        fiscal_year,
        fiscal_year_start_date,
        cast({{ dbt.dateadd('day', -1, 'next_fiscal_year_start_date') }} as date) as fiscal_year_end_date,
        case
            when {{ fiscal_is_week_based('calendar_pattern') }}
                then cast({{ days_to_next_year }} / 7 as {{ dbt.type_int() }})
        end as weeks_in_fiscal_year
    from year_starts
    where next_fiscal_year_start_date > range_start_date
        and fiscal_year_start_date <= range_end_date
),

period_numbers as (
    {{ calendar_integer_series('period_number', 1, 12) }}
),

week_numbers as (
    {{ calendar_integer_series('week_number', 1, 53) }}
),

period_weeks as (
    select
        fiscal_years.*,
        period_numbers.period_number,
        {{ fiscal_weeks_in_period('fiscal_years.calendar_pattern', 'period_numbers.period_number') }}
        + case
            when period_numbers.period_number = 12 then fiscal_years.weeks_in_fiscal_year - 52 else 0
        end as weeks_in_period
    from fiscal_years
    cross join period_numbers
),

period_weeks_cumulated as (
    select
        *,
        sum(weeks_in_period) over (
            partition by calendar_id, fiscal_year
            order by period_number
            rows between unbounded preceding and current row
        ) as weeks_through_period
    from period_weeks
),

month_periods as (
    select
        calendar_id,
        calendar_pattern,
        fiscal_year_start_month,
        'month' as period_type,
        fiscal_year,
        period_number,
        case
            when calendar_pattern = 'gregorian'
                then cast({{ dbt.dateadd('month', 'period_number - 1', 'fiscal_year_start_date') }} as date)
            else cast({{ dbt.dateadd(
                'day', '7 * (weeks_through_period - weeks_in_period)', 'fiscal_year_start_date'
            ) }} as date)
        end as period_start_date,
        case
            when calendar_pattern = 'gregorian'
                then cast({{ dbt.dateadd(
                    'day', -1, dbt.dateadd('month', 'period_number', 'fiscal_year_start_date')
                ) }} as date)
            else cast({{ dbt.dateadd('day', '7 * weeks_through_period - 1', 'fiscal_year_start_date') }} as date)
        end as period_end_date,
        fiscal_year_start_date,
        fiscal_year_end_date,
        weeks_in_fiscal_year
    from period_weeks_cumulated
),

week_periods as (
    select
        fiscal_years.calendar_id,
        fiscal_years.calendar_pattern,
        fiscal_years.fiscal_year_start_month,
        'week' as period_type,
        fiscal_years.fiscal_year,
        week_numbers.week_number as period_number,
        cast({{ dbt.dateadd(
            'day', '7 * (week_numbers.week_number - 1)', 'fiscal_years.fiscal_year_start_date'
        ) }} as date) as period_start_date,
        least(
            cast({{ dbt.dateadd(
                'day', '7 * week_numbers.week_number - 1', 'fiscal_years.fiscal_year_start_date'
            ) }} as date),
            fiscal_years.fiscal_year_end_date
        ) as period_end_date,
        fiscal_years.fiscal_year_start_date,
        fiscal_years.fiscal_year_end_date,
        fiscal_years.weeks_in_fiscal_year
    from fiscal_years
    inner join week_numbers
        on {{ dbt.dateadd(
            'day', '7 * (week_numbers.week_number - 1)', 'fiscal_years.fiscal_year_start_date'
        ) }} <= fiscal_years.fiscal_year_end_date
),

all_periods as (
    select * from month_periods
    union all
    select * from week_periods
),

final as (
    select
        calendar_id,
        calendar_pattern,
        fiscal_year_start_month,
        period_type,
        case period_type
            when 'month' then {{ fiscal_period_key('fiscal_year', 'P', 'period_number') }}
            else {{ fiscal_period_key('fiscal_year', 'W', 'period_number') }}
        end as period_key,
        fiscal_year,
        period_number,
        period_start_date,
        period_end_date,
        {{ dbt.datediff('period_start_date', 'period_end_date', 'day') }} + 1 as days_in_period,
        row_number() over (
            partition by calendar_id, period_type
            order by period_start_date, fiscal_year, period_number
        ) as period_sequence,
        fiscal_year_start_date,
        fiscal_year_end_date,
        weeks_in_fiscal_year,
        coalesce(weeks_in_fiscal_year = 53, false) as is_53_week_year
    from all_periods
)

select * from final
