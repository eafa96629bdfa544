{#
    Where a fiscal year starts and how it is labelled (doc block fiscal_calendar_rule).
    Each macro returns a SQL expression; arguments are SQL expressions too, except
    week_start_isodow and year_label, which are compile-time values from
    fiscal_calendar_settings().
#}

{#- The 1st of month start_month of calendar year anchor_year, as a date. -#}
{% macro fiscal_year_anchor_date(anchor_year, start_month) -%}
    cast({{ dbt.dateadd(
        'month',
        '(' ~ anchor_year ~ ' - 1900) * 12 + ' ~ start_month ~ ' - 1',
        "cast('1900-01-01' as date)"
    ) }} as date)
{%- endmacro %}


{#- Days from the latest week-start day on or before day_date to day_date (0-6).
    1900-01-01 was a Monday (ISO day 1). -#}
{% macro fiscal_days_since_week_start(day_date, week_start_isodow) -%}
    mod({{ dbt.datediff("cast('1900-01-01' as date)", day_date, 'day') }} + {{ 8 - week_start_isodow }}, 7)
{%- endmacro %}


{#- The week-start day nearest to anchor_date: the previous one when the anchor is
    0-3 days after it, else the next one. -#}
{% macro fiscal_nearest_week_start(anchor_date, week_start_isodow) -%}
    {%- set days_after = fiscal_days_since_week_start(anchor_date, week_start_isodow) -%}
    cast({{ dbt.dateadd(
        'day',
        'case when ' ~ days_after ~ ' <= 3 then -' ~ days_after ~ ' else 7 - ' ~ days_after ~ ' end',
        anchor_date
    ) }} as date)
{%- endmacro %}


{#- First day of the fiscal year anchored in anchor_year: the nearest week-start day
    for week-based patterns, the anchor itself for gregorian (and, so that its rows
    exist and fail the tests, for an unknown pattern). -#}
{% macro fiscal_year_start_date(calendar_pattern, anchor_year, start_month, week_start_isodow) -%}
    {%- set anchor_date = fiscal_year_anchor_date(anchor_year, start_month) -%}
    case
        when {{ fiscal_is_week_based(calendar_pattern) }}
            then {{ fiscal_nearest_week_start(anchor_date, week_start_isodow) }}
        else {{ anchor_date }}
    end
{%- endmacro %}


{#- True when the pattern is one of the week-based ones (445, 454, 544). -#}
{% macro fiscal_is_week_based(calendar_pattern) -%}
    {{ calendar_pattern }} in ('{{ fiscal_week_patterns().keys() | sort | join("', '") }}')
{%- endmacro %}


{#- Fiscal-year label: the anchor year ('start'), or the year the fiscal year ends in
    ('end': anchor year + 1 when the year starts after January). -#}
{% macro fiscal_year_label(anchor_year, start_month, year_label) -%}
    {%- if year_label == 'start' -%}
        {{ anchor_year }}
    {%- else -%}
        case when {{ start_month }} > 1 then {{ anchor_year }} + 1 else {{ anchor_year }} end
    {%- endif -%}
{%- endmacro %}
