{#
    One row per ERP customer (customer_key) of the conformed master: its
    final customer segment and service tier (grain customer, on its
    segment_customer_id) and its delivery priority, the transport priority of
    the policies its order lines of the analysis window carry (the priority
    most of its lines carry; a tie goes to the more urgent priority). A
    customer without lines in the window takes its service tier as delivery
    priority; one without a segment has none. Doc block erp_exports.
#}
with

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

customer_products as (
    select * from {{ ref('int_customer_product_policies') }}
),

customer_segments as (
    select
        entity_id as segment_customer_id,
        final_segment_code,
        final_service_tier
    from assignments
    where grain = 'customer'
),

lines_by_priority as (
    select
        customer_key,
        transport_priority,
        sum(order_line_count) as order_line_count
    from customer_products
    where transport_priority is not null
    group by customer_key, transport_priority
),

usual_priority as (
    select
        customer_key,
        transport_priority
    from lines_by_priority
    qualify
        row_number() over (
            partition by customer_key
            order by order_line_count desc, transport_priority asc
        ) = 1
),

final as (
    select
        customers.customer_key,
        customers.business_unit_id,
        customers.customer_id,
        customers.global_account_id,
        customers.segment_customer_id,
        customer_segments.final_segment_code,
        customer_segments.final_service_tier,
        customers.has_price_clause,
        coalesce(usual_priority.transport_priority, customer_segments.final_service_tier) as delivery_priority,
        case
            when usual_priority.transport_priority is not null then 'policy_transport_priority'
            when customer_segments.final_service_tier is not null then 'service_tier'
        end as delivery_priority_basis
    from customers
    left join customer_segments
        on customers.segment_customer_id = customer_segments.segment_customer_id
    left join usual_priority
        on customers.customer_key = usual_priority.customer_key
)

select * from final
