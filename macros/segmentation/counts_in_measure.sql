{#
    Whether a consolidated order line counts in a family of measures, by the
    vars that govern returns and outliers (one place for the rule):
      value        ABC measures (revenue, margin, volume, lines);
      variability  XYZ and demand-pattern measures.
    Return lines count only when var('returns_handling') is 'net'; flagged outliers
    are left out when var('outlier_exclude_from_<family>') is true.
#}
{% macro counts_in_measure(family) -%}
    {%- if family not in ['value', 'variability'] -%}
        {%- do exceptions.raise_compiler_error("counts_in_measure: family must be 'value' or 'variability', got '" ~ family ~ "'") -%}
    {%- endif -%}
    {%- set returns_handling = validated_var('returns_handling') -%}
    {%- if returns_handling not in ['net', 'separate'] -%}
        {%- do exceptions.raise_compiler_error("var returns_handling must be 'net' or 'separate', got '" ~ returns_handling ~ "'") -%}
    {%- endif -%}
    (
        {%- if returns_handling == 'separate' %}not is_return{% else %}true{% endif %}
        {%- set exclude_outliers = validated_var('outlier_exclude_from_value') if family == 'value'
            else validated_var('outlier_exclude_from_variability') -%}
        {%- if exclude_outliers %} and not is_outlier{% endif -%}
    )
{%- endmacro %}
