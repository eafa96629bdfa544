{#
    One row per customer (segment_customer_id, the entity customer segments
    are computed for) and product with order lines in the analysis window:
    the ATP lead time promised and its basis, and the pick and transport
    priority of the policy. Doc block atp_promise.
#}
with

customer_products as (
    select * from {{ ref('int_customer_product_policies') }}
),

pairs as (
    select
        segment_customer_id,
        product_id,
        customer_service_tier,
        product_segment_code,
        policy_id,
        policy_version,
        stocking_strategy,
        atp_lead_time_days,
        product_lead_time_days,
        pick_priority,
        transport_priority,
        sum(order_line_count) as order_line_count
    from customer_products
    group by
        segment_customer_id,
        product_id,
        customer_service_tier,
        product_segment_code,
        policy_id,
        policy_version,
        stocking_strategy,
        atp_lead_time_days,
        product_lead_time_days,
        pick_priority,
        transport_priority
),

final as (
    select
        segment_customer_id,
        product_id,
        customer_service_tier,
        product_segment_code,
        policy_id,
        policy_version,
        stocking_strategy,
        atp_lead_time_days as policy_atp_lead_time_days,
        product_lead_time_days,
        pick_priority,
        transport_priority,
        order_line_count,
        case
            when policy_id is null then null
            when
                stocking_strategy in ('make_to_order', 'assemble_to_order')
                and product_lead_time_days > atp_lead_time_days
                then product_lead_time_days
            else atp_lead_time_days
        end as promised_lead_time_days,
        case
            when policy_id is null then 'no_policy'
            when
                stocking_strategy in ('make_to_order', 'assemble_to_order')
                and product_lead_time_days > atp_lead_time_days
                then 'product_lead_time_floor'
            else 'policy_atp_lead_time'
        end as promise_basis
    from pairs
)

select * from final
