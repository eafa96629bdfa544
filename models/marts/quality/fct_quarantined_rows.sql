{#
    Every raw row that could not be used, with the reason and the row as
    delivered (personal columns left out). Nothing is dropped silently: a row
    is either used, removed as an exact duplicate (counted in
    fct_load_summary) or listed here.
#}
{%- set staged_entities = [
    ('erp', 'business_units', 'stg_erp__business_units', "business_unit_id"),
    ('erp', 'customers', 'stg_erp__customers', "business_unit_id || ':' || customer_id"),
    ('erp', 'products', 'stg_erp__products', "product_id"),
    ('erp', 'fx_rates', 'stg_erp__fx_rates', "currency_code || ':' || cast(rate_month as varchar)"),
    ('crm', 'crm_accounts', 'stg_crm__accounts', "business_unit_id || ':' || customer_id"),
    ('wms', 'ship_tos', 'stg_wms__ship_tos', "business_unit_id || ':' || ship_to_id"),
    ('wms', 'deliveries', 'stg_wms__deliveries',
        "business_unit_id || ':' || order_id || ':' || cast(order_line_number as varchar) || ':' || delivery_id"),
    ('wms', 'inventory_snapshots', 'stg_wms__inventory_snapshots',
        "plant_id || ':' || product_id || ':' || cast(snapshot_date as varchar)"),
    ('planning', 'forecasts', 'stg_planning__forecasts',
        "business_unit_id || ':' || product_id || ':' || cast(period_start as varchar)"),
] -%}
with

completeness_gates as (
    {{ assert_completeness_gates_passed() }}
),

{% for source_name, entity, model, key in staged_entities %}
    rejected_{{ entity }} as (
        select
            '{{ source_name }}' as source_system,
            '{{ entity }}' as entity,
            {{ key }} as entity_key,
            rejection_reason,
            source_file,
            source_row_number,
            source_row
        from {{ ref(model) }}
        where rejection_reason is not null
    ),

{% endfor %}
rejected_order_lines as (
    select
        'erp' as source_system,
        'order_lines' as entity,
        order_lines.business_unit_id || ':' || order_lines.order_id || ':'
        || coalesce(cast(order_lines.order_line_number as varchar), '?') as entity_key,
        order_lines.rejection_reason,
        order_lines.source_file,
        order_lines.source_row_number,
        order_lines.source_row
    from {{ ref('int_order_lines_validated') }} as order_lines
    cross join completeness_gates
    where order_lines.rejection_reason is not null
        and completeness_gates.completeness_gates_passed
),

unioned as (
    {%- for source_name, entity, model, key in staged_entities %}
        select * from rejected_{{ entity }}
        union all
    {%- endfor %}
    select * from rejected_order_lines
),

final as (
    select
        source_system,
        entity,
        entity_key,
        split_part(rejection_reason, ':', 1) as rejection_reason,
        nullif(split_part(rejection_reason, ':', 2), '') as rejection_column,
        source_file,
        source_row_number,
        source_row,
        {{ run_id() }} as run_id
    from unioned
)

select * from final
