{#
    Every row read in this load, of every staged entity, in one relation: its
    entity, key, final rejection reason (null when usable), whether it is
    an exact copy removed from use, and which optional columns did not parse. The entities are those of the registry
    staged_entities() (derived from the input contract, not listed here), each
    read from its rows model: the staging model, or int_order_lines_validated
    for order lines, whose cross-entity checks replace staging's reasons.
    A view: quarantine and the load summary each read only what they need.

    The -- depends_on lines below tell dbt's parser the rows models (the
    registry exists only at execution). A new source table without its line
    stops the run with dbt's message naming the line to add.
#}
-- depends_on: {{ ref('stg_crm__accounts') }}
-- depends_on: {{ ref('stg_erp__business_units') }}
-- depends_on: {{ ref('stg_erp__customers') }}
-- depends_on: {{ ref('stg_erp__fx_rates') }}
-- depends_on: {{ ref('int_order_lines_validated') }}
-- depends_on: {{ ref('stg_erp__products') }}
-- depends_on: {{ ref('stg_governance__segment_challenges') }}
-- depends_on: {{ ref('stg_planning__forecasts') }}
-- depends_on: {{ ref('stg_wms__deliveries') }}
-- depends_on: {{ ref('stg_wms__inventory_snapshots') }}
-- depends_on: {{ ref('stg_wms__ship_tos') }}
{{ config(materialized='view') }}
{%- set entities = staged_entities() %}

with

{% for entity in entities %}
    rows_{{ entity.entity }} as (
        select
            '{{ entity.source_system }}' as source_system,
            '{{ entity.entity }}' as entity,
            {{ staged_entity_key(entity) }} as entity_key,
            rejection_reason,
            {{ 'coalesce(is_exact_duplicate, false)' if entity.has_exact_duplicates else 'false' }}
            and rejection_reason is null as is_exact_duplicate,
            source_file,
            source_row_number,
            source_row,
            unparseable_optional_columns
        from {{ ref(entity.rows_model) }}
    ),

{% endfor %}
unioned as (
    {%- for entity in entities %}
        select * from rows_{{ entity.entity }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not entities %}
        {#- Parsing only: the registry is empty until execution. #}
        select
            cast(null as {{ dbt.type_string() }}) as source_system,
            cast(null as {{ dbt.type_string() }}) as entity,
            cast(null as {{ dbt.type_string() }}) as entity_key,
            cast(null as {{ dbt.type_string() }}) as rejection_reason,
            false as is_exact_duplicate,
            cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as bigint) as source_row_number,
            cast(null as {{ dbt.type_string() }}) as source_row,
            cast(null as {{ dbt.type_string() }}) as unparseable_optional_columns
        where false
    {%- endif %}
),

final as (
    select
        source_system,
        entity,
        entity_key,
        rejection_reason,
        is_exact_duplicate,
        source_file,
        source_row_number,
        source_row,
        unparseable_optional_columns
    from unioned
)

select * from final
