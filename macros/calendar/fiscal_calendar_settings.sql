{#
    The fiscal calendar's fixed vocabulary and its vars, checked once.

    fiscal_calendar_patterns(): the accepted calendar patterns.
    fiscal_week_patterns(): weeks of the three periods of a quarter, per week-based pattern.
    fiscal_calendar_settings(): the calendar vars, validated; stops compilation naming
    the var at fault when one is out of range.
#}
{% macro fiscal_calendar_patterns() %}
    {{ return(['gregorian', '445', '454', '544']) }}
{% endmacro %}


{% macro fiscal_week_patterns() %}
    {{ return({'445': [4, 4, 5], '454': [4, 5, 4], '544': [5, 4, 4]}) }}
{% endmacro %}


{% macro fiscal_calendar_settings() %}
    {%- set week_start = validated_var('fiscal_week_start_isodow') | string | trim -%}
    {%- if week_start not in ['1', '2', '3', '4', '5', '6', '7'] -%}
        {%- do exceptions.raise_compiler_error(
            "Var fiscal_week_start_isodow is '" ~ week_start
            ~ "': give the ISO day of week fiscal weeks start on, 1 (Monday) to 7 (Sunday).") -%}
    {%- endif -%}
    {%- set year_label = validated_var('fiscal_year_label') | string | trim | lower -%}
    {%- if year_label not in ['start', 'end'] -%}
        {%- do exceptions.raise_compiler_error(
            "Var fiscal_year_label is '" ~ year_label ~ "': use 'start' or 'end'.") -%}
    {%- endif -%}
    {%- set reporting_pattern = validated_var('reporting_calendar_pattern') | string | trim | lower -%}
    {%- if reporting_pattern not in fiscal_calendar_patterns() -%}
        {%- do exceptions.raise_compiler_error(
            "Var reporting_calendar_pattern is '" ~ reporting_pattern ~ "': use one of "
            ~ fiscal_calendar_patterns() | join(', ') ~ ".") -%}
    {%- endif -%}
    {%- set reporting_start_month = validated_var('reporting_calendar_start_month') | string | trim -%}
    {%- if reporting_start_month not in range(1, 13) | map('string') | list -%}
        {%- do exceptions.raise_compiler_error(
            "Var reporting_calendar_start_month is '" ~ reporting_start_month ~ "': give a month number, 1 to 12.") -%}
    {%- endif -%}
    {{ return({
        'week_start_isodow': week_start | int,
        'year_label': year_label,
        'reporting_pattern': reporting_pattern,
        'reporting_start_month': reporting_start_month | int
    }) }}
{% endmacro %}
