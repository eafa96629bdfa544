{#
    Generic test: the combination of columns is unique (the model's grain).
    Fails with one row per duplicated combination and its count.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select
        {{ columns }},
        count(*) as rows_with_this_key
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
