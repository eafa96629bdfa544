{#
    The ATP promise per customer (segment_customer_id) and product with order
    lines in the analysis window, for order promising: the lead time promised,
    its basis, and the pick and transport priority the pair's order lines get.
    A thin publication of int_atp_promises (doc block atp_promise).
#}
with

promises as (
    select * from {{ ref('int_atp_promises') }}
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
        policy_atp_lead_time_days,
        product_lead_time_days,
        promised_lead_time_days,
        promise_basis,
        pick_priority,
        transport_priority,
        cast(order_line_count as bigint) as order_line_count,
        {{ run_id() }} as run_id
    from promises
)

select * from final
