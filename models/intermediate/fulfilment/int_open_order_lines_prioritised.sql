{#
    One row per open order line (doc block open_order_line) with its pick and
    transport priority from the policy of its customer's final service tier
    and its product's final segment (doc block order_line_priorities).
#}
{%- set horizon_days = sql_number_var('open_order_horizon_days') %}

with

order_lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

deliveries as (
    select * from {{ ref('stg_wms__deliveries') }}
    where rejection_reason is null
),

customer_products as (
    select * from {{ ref('int_customer_product_policies') }}
),

delivered_by_line as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        {{ exact_sum('coalesce(delivered_quantity, 0)') }} as delivered_quantity
    from deliveries
    group by business_unit_id, order_id, order_line_number
),

delivery_presence as (
    select count(*) > 0 as has_deliveries
    from deliveries
),

lines_measured as (
    select
        order_lines.business_unit_id,
        order_lines.order_id,
        order_lines.order_line_number,
        order_lines.order_date,
        order_lines.requested_date,
        order_lines.customer_key,
        order_lines.product_id,
        order_lines.plant_id,
        order_lines.ship_to_key,
        order_lines.quantity as ordered_quantity,
        delivery_presence.has_deliveries,
        reference.reference_date,
        coalesce(delivered_by_line.delivered_quantity, 0) as delivered_quantity
    from order_lines
    cross join reference
    cross join delivery_presence
    left join delivered_by_line
        on order_lines.business_unit_id = delivered_by_line.business_unit_id
            and order_lines.order_id = delivered_by_line.order_id
            and order_lines.order_line_number = delivered_by_line.order_line_number
    where not order_lines.is_return
),

open_lines as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        order_date,
        requested_date,
        customer_key,
        product_id,
        plant_id,
        ship_to_key,
        ordered_quantity,
        reference_date,
        case when has_deliveries then delivered_quantity end as delivered_quantity,
        case
            when has_deliveries then ordered_quantity - delivered_quantity
            else ordered_quantity
        end as open_quantity,
        case when has_deliveries then 'deliveries' else 'requested_date' end as openness_basis
    from lines_measured
    where
        case
            when has_deliveries
                then
                    delivered_quantity < ordered_quantity
                    and order_date > reference_date - {{ horizon_days }}
            else coalesce(requested_date, order_date) >= reference_date
        end
),

final as (
    select
        open_lines.business_unit_id,
        open_lines.order_id,
        open_lines.order_line_number,
        open_lines.order_date,
        open_lines.requested_date,
        open_lines.customer_key,
        customer_products.segment_customer_id,
        open_lines.product_id,
        open_lines.plant_id,
        open_lines.ship_to_key,
        open_lines.ordered_quantity,
        open_lines.delivered_quantity,
        open_lines.open_quantity,
        open_lines.openness_basis,
        open_lines.reference_date,
        customer_products.customer_service_tier,
        customer_products.product_segment_code,
        customer_products.policy_id,
        customer_products.pick_priority,
        customer_products.transport_priority
    from open_lines
    left join customer_products
        on open_lines.customer_key = customer_products.customer_key
            and open_lines.product_id = customer_products.product_id
)

select * from final
