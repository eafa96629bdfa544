{#
    What happened to the rows of each input entity in this load: rows read,
    rows quarantined per reason, exact duplicates removed and rows used, so
    that rows_read = rows_used + rows_quarantined + exact_duplicates_removed.
    The entities are those of the registry staged_entities(), every one listed
    even when its file is missing; the rows come from int_staged_rows_unioned
    (order lines after the cross-entity checks of int_order_lines_validated,
    the other entities after their staging checks).
    Only order lines are de-duplicated as exact copies; master rows repeating
    a key are resolved by the models that read them.
#}
{%- set entities = staged_entities() -%}
{%- set reasons = contract_rejection_reasons() -%}

with

staged_rows as (
    select * from {{ ref('int_staged_rows_unioned') }}
),

entities as (
    {%- for entity in entities %}
        select
            '{{ entity.source_system }}' as source_system,
            '{{ entity.entity }}' as entity
        union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as entity
    where false
),

all_rows as (
    select
        entity,
        source_file,
        is_exact_duplicate,
        split_part(rejection_reason, ':', 1) as rejection_reason,
        unparseable_optional_columns is not null
        and rejection_reason is null
        and not is_exact_duplicate as has_unparseable_optional_value
    from staged_rows
),

counted as (
    select
        entity,
        max(source_file) as source_file,
        count(*) as rows_read,
        count(rejection_reason) as rows_quarantined,
        {%- for reason in reasons %}
            count(case when rejection_reason = '{{ reason }}' then 1 end) as rows_{{ reason }},
        {%- endfor %}
        count(case when is_exact_duplicate then 1 end) as exact_duplicates_removed,
        count(case when has_unparseable_optional_value then 1 end) as rows_with_unparseable_optional_value
    from all_rows
    group by entity
),

final as (
    select
        entities.source_system,
        entities.entity,
        counted.source_file,
        coalesce(counted.rows_read, 0) as rows_read,
        coalesce(counted.rows_read, 0)
        - coalesce(counted.rows_quarantined, 0)
        - coalesce(counted.exact_duplicates_removed, 0) as rows_used,
        coalesce(counted.exact_duplicates_removed, 0) as exact_duplicates_removed,
        {%- for reason in reasons %}
            coalesce(counted.rows_{{ reason }}, 0) as rows_{{ reason }},
        {%- endfor %}
        coalesce(counted.rows_quarantined, 0) as rows_quarantined,
        coalesce(counted.rows_with_unparseable_optional_value, 0) as rows_with_unparseable_optional_value
    from entities
    left join counted
        on entities.entity = counted.entity
)

select * from final
