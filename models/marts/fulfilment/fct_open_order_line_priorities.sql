{#
    The warehouse pick priority and transport priority of every open order
    line (doc blocks open_order_line and order_line_priorities), for the WMS
    and transport planning. A thin publication of
    int_open_order_lines_prioritised.
#}
with

open_lines as (
    select * from {{ ref('int_open_order_lines_prioritised') }}
),

final as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        order_date,
        requested_date,
        customer_key,
        segment_customer_id,
        product_id,
        plant_id,
        ship_to_key,
        open_quantity,
        openness_basis,
        customer_service_tier,
        product_segment_code,
        policy_id,
        pick_priority,
        transport_priority,
        reference_date,
        {{ run_id() }} as run_id
    from open_lines
)

select * from final
