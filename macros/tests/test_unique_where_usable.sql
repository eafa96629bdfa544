{#
    Generic test: the primary key of the rows that can be used.

    Staging keeps every raw row, including the ones the input contract rejects
    (rejection_reason not null: a required key is missing or unparseable), so a
    plain unique / not_null test on the business key would fail on rows that go
    to quarantine anyway. This test looks only at usable rows
    (rejection_reason is null) and fails with one row per
      - combination of combination_of_columns held by more than one row, or
      - distinct key among usable rows that has a null in one of those columns,
    giving the key, the number of rows and the problem.

    Arguments:
      combination_of_columns  the columns of the key (list).
      exact_copy_column       optional: a column holding the whole row (source_row).
                              Given, rows identical in it count once, so only
                              conflicting duplicates fail. For entities whose exact
                              copies are removed downstream (order lines).
      usable_condition        optional: the filter for usable rows
                              (default "rejection_reason is null").
#}
{% test unique_where_usable(model, combination_of_columns, exact_copy_column=none, usable_condition='rejection_reason is null') %}
    {%- set key_columns = combination_of_columns | join(', ') -%}
    {%- set null_checks = [] -%}
    {%- for column in combination_of_columns -%}
        {%- do null_checks.append(column ~ ' is null') -%}
    {%- endfor %}

    with usable_rows as (
        select *
        from {{ model }}
        where {{ usable_condition }}
    ),

    duplicated_keys as (
        select
            {{ key_columns }},
            count(*) as rows_with_this_key,
            'duplicate_key' as problem
        from usable_rows
        where not ({{ null_checks | join(' or ') }})
        group by {{ key_columns }}
        having count({{ 'distinct ' ~ exact_copy_column if exact_copy_column else '*' }}) > 1
    ),

    null_keys as (
        select
            {{ key_columns }},
            count(*) as rows_with_this_key,
            'null_in_key' as problem
        from usable_rows
        where {{ null_checks | join(' or ') }}
        group by {{ key_columns }}
    )

    select * from duplicated_keys
    union all
    select * from null_keys
{% endtest %}
