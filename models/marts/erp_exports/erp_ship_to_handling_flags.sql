{#
    ERP export: EDI/ASN handling flags, one row per ship-to (business unit and
    ship-to number): the segment code, service tier and delivery priority of
    the customer the ship-to belongs to (its reconciled parent), and whether
    its deliveries get priority handling (delivery priority 1) and an advance
    shipping notice ahead of the goods (service tier 1 or 2). Doc block
    erp_exports.
#}
with

ship_tos as (
    select * from {{ ref('int_ship_tos_reconciled') }}
),

customers as (
    select * from {{ ref('int_customer_delivery_priorities') }}
),

final as (
    select
        ship_tos.business_unit_id,
        ship_tos.ship_to_id,
        customers.customer_id,
        customers.final_segment_code as segment_code,
        cast(customers.final_service_tier as integer) as service_tier,
        cast(customers.delivery_priority as integer) as delivery_priority,
        coalesce(customers.delivery_priority = 1, false) as is_priority_handling,
        coalesce(customers.final_service_tier <= 2, false) as is_asn_required,
        {{ run_id() }} as run_id,
        {{ model_version() }} as model_version
    from ship_tos
    left join customers
        on ship_tos.parent_customer_key = customers.customer_key
)

select * from final
