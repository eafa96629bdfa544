{#
    Generic test: the model has exactly as many rows as compare_model (no row
    lost or multiplied by a join). Fails with one row giving both counts.
#}
{% test row_count_matches(model, compare_model) %}
    with counts as (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_model }}) as compare_model_rows
    )

    select *
    from counts
    where model_rows <> compare_model_rows
{% endtest %}
