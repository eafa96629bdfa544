{#
    What happened to the rows of each input entity in this load: rows read,
    rows quarantined per reason, exact duplicates removed and rows used, so
    that rows_read = rows_used + rows_quarantined + exact_duplicates_removed.
    Order lines are counted after the cross-entity checks of
    int_order_lines_validated; the other entities after their staging checks.
    Only order lines are de-duplicated as exact copies; master rows repeating
    a key are resolved by the models that read them.
#}
{%- set staged_entities = [
    ('erp', 'business_units', 'stg_erp__business_units'),
    ('erp', 'customers', 'stg_erp__customers'),
    ('erp', 'products', 'stg_erp__products'),
    ('erp', 'fx_rates', 'stg_erp__fx_rates'),
    ('crm', 'crm_accounts', 'stg_crm__accounts'),
    ('wms', 'ship_tos', 'stg_wms__ship_tos'),
    ('wms', 'deliveries', 'stg_wms__deliveries'),
    ('wms', 'inventory_snapshots', 'stg_wms__inventory_snapshots'),
    ('planning', 'forecasts', 'stg_planning__forecasts'),
] -%}
{%- set reasons = contract_rejection_reasons() -%}

with

{% for source_name, entity, model in staged_entities %}
    rows_{{ entity }} as (
        select
            '{{ source_name }}' as source_system,
            '{{ entity }}' as entity,
            source_file,
            split_part(rejection_reason, ':', 1) as rejection_reason,
            false as is_exact_duplicate,
            unparseable_optional_columns is not null and rejection_reason is null as has_unparseable_optional_value
        from {{ ref(model) }}
    ),

{% endfor %}
rows_order_lines as (
    select
        'erp' as source_system,
        'order_lines' as entity,
        source_file,
        split_part(rejection_reason, ':', 1) as rejection_reason,
        is_exact_duplicate and rejection_reason is null as is_exact_duplicate,
        unparseable_optional_columns is not null and rejection_reason is null and not is_exact_duplicate
            as has_unparseable_optional_value
    from {{ ref('int_order_lines_validated') }}
),

entities as (
    {%- for source_name, entity, model in staged_entities %}
        select
            '{{ source_name }}' as source_system,
            '{{ entity }}' as entity
        union all
    {%- endfor %}
    select
        'erp' as source_system,
        'order_lines' as entity
),

all_rows as (
    {%- for source_name, entity, model in staged_entities %}
        select * from rows_{{ entity }}
        union all
    {%- endfor %}
    select * from rows_order_lines
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
