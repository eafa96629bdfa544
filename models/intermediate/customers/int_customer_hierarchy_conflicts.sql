{#
    One row per disagreement between two sources on an attribute of the
    customer hierarchy: both values, the source and value that won, and the
    seed hierarchy_precedence row that made it win. Only sources that have a
    value count (a missing value is not a conflict); the winner is taken from
    the reconciled models, not decided again here. source_a is the source
    first in alphabetical order, so flipping the seed changes winning_source,
    not the columns the values are in.
#}
-- The column names attribute and rule are the documented interface of this model.
-- sqlfluff:rules:references.keywords:ignore_words:attribute,rule
with

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

ship_tos as (
    select * from {{ ref('int_ship_tos_reconciled') }}
),

precedence as (
    select * from {{ ref('hierarchy_precedence') }}
),

source_values as (
    select
        'sales_region' as conflict_type,
        'customer' as entity_type,
        customer_key as entity_key,
        business_unit_id,
        customer_id as entity_id,
        'sales_region' as attribute,
        'erp' as source_system,
        erp_sales_region as source_value,
        sales_region_source as winning_source,
        sales_region as winning_value
    from customers
    where erp_sales_region is not null
    union all
    select
        'sales_region' as conflict_type,
        'customer' as entity_type,
        customer_key as entity_key,
        business_unit_id,
        customer_id as entity_id,
        'sales_region' as attribute,
        'crm' as source_system,
        crm_sales_region as source_value,
        sales_region_source as winning_source,
        sales_region as winning_value
    from customers
    where crm_sales_region is not null
    union all
    select
        'ship_to_parent' as conflict_type,
        'ship_to' as entity_type,
        ship_to_key as entity_key,
        business_unit_id,
        ship_to_id as entity_id,
        'parent_customer_key' as attribute,
        'erp' as source_system,
        erp_parent_customer_key as source_value,
        parent_source as winning_source,
        parent_customer_key as winning_value
    from ship_tos
    where erp_parent_customer_key is not null
    union all
    select
        'ship_to_parent' as conflict_type,
        'ship_to' as entity_type,
        ship_to_key as entity_key,
        business_unit_id,
        ship_to_id as entity_id,
        'parent_customer_key' as attribute,
        'wms' as source_system,
        wms_parent_customer_key as source_value,
        parent_source as winning_source,
        parent_customer_key as winning_value
    from ship_tos
    where wms_parent_customer_key is not null
        and not has_unknown_wms_parent
),

losing_values as (
    select *
    from source_values
    where source_system <> winning_source
        and source_value <> winning_value
),

conflicts as (
    select
        losing_values.conflict_type,
        losing_values.entity_type,
        losing_values.entity_key,
        losing_values.business_unit_id,
        losing_values.entity_id,
        losing_values.attribute,
        least(losing_values.source_system, losing_values.winning_source) as source_a,
        case
            when losing_values.source_system < losing_values.winning_source then losing_values.source_value
            else losing_values.winning_value
        end as value_a,
        greatest(losing_values.source_system, losing_values.winning_source) as source_b,
        case
            when losing_values.source_system < losing_values.winning_source then losing_values.winning_value
            else losing_values.source_value
        end as value_b,
        losing_values.source_system as losing_source,
        losing_values.winning_source,
        losing_values.winning_value,
        precedence.precedence_rank as winning_precedence_rank,
        'hierarchy_precedence: ' || precedence.attribute || ' ' || precedence.source_system
        || ' rank ' || cast(precedence.precedence_rank as {{ dbt.type_string() }}) as rule
    from losing_values
    inner join precedence
        on losing_values.conflict_type = precedence.attribute
            and losing_values.winning_source = precedence.source_system
),

final as (
    select
        conflict_type,
        entity_type,
        entity_key,
        business_unit_id,
        entity_id,
        attribute,
        source_a,
        value_a,
        source_b,
        value_b,
        losing_source,
        winning_source,
        winning_value,
        winning_precedence_rank,
        rule
    from conflicts
)

select * from final
