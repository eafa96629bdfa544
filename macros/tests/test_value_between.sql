{#
    Generic test: every non-null value of the column lies between min_value
    and max_value (both inclusive). Fails with one row per value outside.
#}
{% test value_between(model, column_name, min_value, max_value) %}
    select {{ column_name }} as value_outside_range
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
