{#
    calendar_integer_series(column_name, first, last): a select of one integer column
    with every value from first to last (compile-time integers, 0 <= first <= last).
    Built from cross-joined digits, so it runs on any SQL engine without a series
    function.
#}
{% macro calendar_integer_series(column_name, first, last) -%}
    {%- set places = (last | string) | length -%}
    select series.value_number as {{ column_name }}
    from (
        select
            {% for place in range(places) -%}
                {{ 'place_' ~ place }}.digit * {{ 10 ** place }}{{ ' + ' if not loop.last }}
            {%- endfor %} as value_number
        from
            {% for place in range(places) -%}
                {{ 'cross join ' if not loop.first }}(
                    {%- for digit in range(10) %}select {{ digit }} as digit{{ ' union all ' if not loop.last }}{% endfor -%}
                ) as {{ 'place_' ~ place }}
            {% endfor %}
    ) as series
    where series.value_number between {{ first }} and {{ last }}
{%- endmacro %}
