{#
    One row per ship-to known to the WMS or used on a usable ERP order line.
    Two sources name the customer a ship-to belongs to:
      erp - the sales parent: the customer on most usable order lines of the
            ship-to (ties to the smallest customer_key);
      wms - the logistics parent the WMS files the ship-to under (used only
            when it is a customer of the ERP customer master).
    Seed hierarchy_precedence decides which one is parent_customer_key. The
    WMS also gives the logistics unit (UNASSIGNED when unknown) and country.
#}
with

order_lines as (
    select
        business_unit_id,
        ship_to_id,
        ship_to_key,
        customer_key
    from {{ ref('int_order_lines_usable') }}
    where ship_to_id is not null
),

wms_ship_tos as (
    select
        business_unit_id,
        ship_to_id,
        ship_to_key,
        logistics_parent_customer_key,
        logistics_unit,
        country_code
    from {{ ref('stg_wms__ship_tos') }}
    where rejection_reason is null
    qualify row_number() over (partition by ship_to_key order by source_row_number) = 1
),

customers as (
    select
        customer_key,
        global_account_id,
        country_code
    from {{ ref('int_customers_reconciled') }}
),

parent_precedence as (
    select
        source_system,
        precedence_rank
    from {{ ref('hierarchy_precedence') }}
    where attribute = 'ship_to_parent'
),

ship_to_keys as (
    select
        business_unit_id,
        ship_to_id,
        ship_to_key
    from wms_ship_tos
    union
    select
        business_unit_id,
        ship_to_id,
        ship_to_key
    from order_lines
),

order_lines_per_customer as (
    select
        ship_to_key,
        customer_key,
        count(*) as order_line_count
    from order_lines
    group by ship_to_key, customer_key
),

sales_parents as (
    select
        ship_to_key,
        customer_key as erp_parent_customer_key,
        order_line_count as erp_parent_order_line_count,
        sum(order_line_count) over (partition by ship_to_key) as order_line_count
    from order_lines_per_customer
    qualify row_number() over (partition by ship_to_key order by order_line_count desc, customer_key asc) = 1
),

logistics_parents as (
    select
        wms_ship_tos.ship_to_key,
        wms_ship_tos.logistics_parent_customer_key as wms_parent_customer_key,
        customers.customer_key is not null as is_wms_parent_known
    from wms_ship_tos
    left join customers
        on wms_ship_tos.logistics_parent_customer_key = customers.customer_key
    where wms_ship_tos.logistics_parent_customer_key is not null
),

parent_candidates as (
    select
        ship_to_key,
        'erp' as source_system,
        erp_parent_customer_key as parent_customer_key
    from sales_parents
    union all
    select
        ship_to_key,
        'wms' as source_system,
        wms_parent_customer_key as parent_customer_key
    from logistics_parents
    where is_wms_parent_known
),

parents_resolved as (
    select
        parent_candidates.ship_to_key,
        parent_candidates.parent_customer_key,
        parent_candidates.source_system as parent_source
    from parent_candidates
    inner join parent_precedence
        on parent_candidates.source_system = parent_precedence.source_system
    qualify
        row_number() over (
            partition by parent_candidates.ship_to_key
            order by
                parent_precedence.precedence_rank,
                parent_candidates.source_system,
                parent_candidates.parent_customer_key
        ) = 1
),

final as (
    select
        ship_to_keys.business_unit_id,
        ship_to_keys.ship_to_id,
        ship_to_keys.ship_to_key,
        sales_parents.erp_parent_customer_key,
        logistics_parents.wms_parent_customer_key,
        parents_resolved.parent_customer_key,
        parents_resolved.parent_source,
        parent_customers.global_account_id,
        coalesce(wms_ship_tos.logistics_unit, 'UNASSIGNED') as logistics_unit,
        wms_ship_tos.logistics_unit is null as is_logistics_unit_unassigned,
        coalesce(wms_ship_tos.country_code, parent_customers.country_code) as country_code,
        wms_ship_tos.ship_to_key is not null as is_in_wms,
        coalesce(not logistics_parents.is_wms_parent_known, false) as has_unknown_wms_parent,
        coalesce(sales_parents.order_line_count, 0) as order_line_count,
        coalesce(sales_parents.erp_parent_order_line_count, 0) as erp_parent_order_line_count
    from ship_to_keys
    left join wms_ship_tos
        on ship_to_keys.ship_to_key = wms_ship_tos.ship_to_key
    left join sales_parents
        on ship_to_keys.ship_to_key = sales_parents.ship_to_key
    left join logistics_parents
        on ship_to_keys.ship_to_key = logistics_parents.ship_to_key
    left join parents_resolved
        on ship_to_keys.ship_to_key = parents_resolved.ship_to_key
    left join customers as parent_customers
        on parents_resolved.parent_customer_key = parent_customers.customer_key
)

select * from final
