{#
    Numbers that come out the same on every run (doc block stable_numbers).

    exact_sum(expression, over=none): the sum of a double expression, added
    up exactly as a decimal with 10 decimal places and returned as a double.
    A double sum depends on the order in which threads add the rows, so two
    runs on the same data could differ in the last bits (0.07500000000000004
    against 0.07500000000000001) and move an entity across a rank or a
    threshold. Each value is rounded to 10 decimal places once, then the sum
    is exact and does not depend on the order. With `over`, a window sum:
    exact_sum('x', over='partition by grain, entity_id').
#}
{% macro exact_sum(expression, over=none) -%}
    {%- if over is none -%}
        cast(sum(cast({{ expression }} as decimal(38, 10))) as double)
    {%- else -%}
        cast(sum(cast({{ expression }} as decimal(38, 10))) over ({{ over }}) as double)
    {%- endif -%}
{%- endmacro %}


{#
    ordered_sum(expression, order_by): aggregate sum of a double expression
    added in the order of `order_by` (a key unique within the group), so the
    result is the same on every run at full double precision. Used where
    values span many orders of magnitude (decay weights down to 1e-16, their
    squares), which exact_sum's 10 decimal places would cut off.
#}
{% macro ordered_sum(expression, order_by) -%}
    list_sum(list({{ expression }} order by {{ order_by }}))
{%- endmacro %}


{#
    comparable(expression): the value rounded to var('comparison_decimal_places')
    decimal places, as used wherever values are ranked, so that values equal
    but for floating-point noise tie (and ties are then broken by entity id).
#}
{% macro comparable(expression) -%}
    round({{ expression }}, {{ comparison_decimal_places() }})
{%- endmacro %}


{% macro comparison_decimal_places() -%}
    {#- Checked by validate_vars (a whole number from 0 to 12). -#}
    {{- sql_number_var('comparison_decimal_places') -}}
{%- endmacro %}
