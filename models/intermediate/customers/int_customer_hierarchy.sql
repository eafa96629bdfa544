{#
    The customer hierarchy flattened: global account -> business-unit
    customer -> ship-to -> logistics unit, one row per ship-to under its
    resolved parent. A customer without a ship-to gets one row with
    ship_to_key null; a ship-to that no source can place under a known
    customer gets one row with customer_key null, so no ship-to is lost.
#}
with

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

ship_tos as (
    select * from {{ ref('int_ship_tos_reconciled') }}
),

customer_ship_tos as (
    select
        customers.global_account_id,
        customers.global_account_name,
        customers.is_key_account,
        customers.has_crm_account,
        customers.segment_customer_id,
        customers.business_unit_id,
        customers.customer_id,
        customers.customer_key,
        customers.sales_region,
        customers.sales_region_source,
        ship_tos.ship_to_id,
        ship_tos.ship_to_key,
        ship_tos.parent_source,
        ship_tos.logistics_unit,
        ship_tos.is_logistics_unit_unassigned,
        ship_tos.country_code as ship_to_country_code
    from customers
    left join ship_tos
        on customers.customer_key = ship_tos.parent_customer_key
),

ship_tos_without_parent as (
    select
        cast(null as {{ dbt.type_string() }}) as global_account_id,
        cast(null as {{ dbt.type_string() }}) as global_account_name,
        false as is_key_account,
        false as has_crm_account,
        cast(null as {{ dbt.type_string() }}) as segment_customer_id,
        ship_tos.business_unit_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as customer_key,
        cast(null as {{ dbt.type_string() }}) as sales_region,
        cast(null as {{ dbt.type_string() }}) as sales_region_source,
        ship_tos.ship_to_id,
        ship_tos.ship_to_key,
        ship_tos.parent_source,
        ship_tos.logistics_unit,
        ship_tos.is_logistics_unit_unassigned,
        ship_tos.country_code as ship_to_country_code
    from ship_tos
    left join customers
        on ship_tos.parent_customer_key = customers.customer_key
    where customers.customer_key is null
),

final as (
    select * from customer_ship_tos
    union all
    select * from ship_tos_without_parent
)

select * from final
