{#
    kpi_line_ratios(): the line-count KPIs as {kpi_name: (numerator column,
    denominator column)} of int_order_lines_by_entity_period (doc block
    kpi_definitions). Written once here: segment KPIs
    (int_segment_kpis_assessed) and the A/B-test panel
    (int_policy_experiment_panel) both read it.
#}
{% macro kpi_line_ratios() %}
    {{ return({
        'on_time_rate': ('on_time_line_count', 'on_time_base_line_count'),
        'in_full_rate': ('in_full_line_count', 'delivered_line_count'),
        'otif_rate': ('on_time_in_full_line_count', 'on_time_base_line_count'),
        'line_fill_rate': ('filled_first_time_line_count', 'delivered_line_count'),
    }) }}
{% endmacro %}

{#
    split_share(key_expression): a number in [0, 1) drawn deterministically
    from a text key: the first 8 hexadecimal digits of its MD5 hash
    (dbt.hash) read as an integer and divided by 16^8. The same key gives
    the same share on every run and engine with MD5 (doc block
    experiment_assignment).
#}
{% macro split_share(key_expression) %}
    {%- set hashed = dbt.hash(key_expression) -%}
    (
        {%- for digit in range(8) %}
            ({{ dbt.position("substring(lower(" ~ hashed ~ "), " ~ (digit + 1) ~ ", 1)", "'0123456789abcdef'") }} - 1)
            * {{ 16 ** (7 - digit) }}{% if not loop.last %} +{% endif %}
        {%- endfor %}
    ) / {{ 16 ** 8 }}.0
{%- endmacro %}
