{#
    One row per ERP customer (customer_key) and product with order lines in
    the analysis window (the periods of int_analysis_periods, as the policy
    matching counts them): the customer's final service tier (grain
    customer, on its segment_customer_id), the product's final segment (grain
    product), the policy matched to that combination
    (int_policy_combinations_matched) and the attributes the fulfilment and
    pricing rules need: the product's lead time and the customer's contract
    price clause. The order lines are read once here; the ATP promise, the
    pricing and the open-line priorities read this model.
#}
with

order_lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

policies as (
    select * from {{ ref('int_policy_combinations_matched') }}
),

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

window_bounds as (
    select
        min(period_start_date) as window_start_date,
        max(period_end_date) as window_end_date
    from periods
),

pairs as (
    select
        order_lines.customer_key,
        order_lines.segment_customer_id,
        order_lines.product_id,
        count(*) as order_line_count,
        max(order_lines.order_date) as last_order_date
    from order_lines
    cross join window_bounds
    where
        not order_lines.is_return
        and order_lines.order_date between window_bounds.window_start_date and window_bounds.window_end_date
    group by order_lines.customer_key, order_lines.segment_customer_id, order_lines.product_id
),

customer_tiers as (
    select
        entity_id as segment_customer_id,
        final_segment_code as customer_segment_code,
        final_service_tier as customer_service_tier
    from assignments
    where grain = 'customer'
),

product_segments as (
    select
        entity_id as product_id,
        final_segment_code as product_segment_code
    from assignments
    where grain = 'product'
),

final as (
    select
        pairs.customer_key,
        customers.business_unit_id,
        customers.customer_id,
        pairs.segment_customer_id,
        pairs.product_id,
        pairs.order_line_count,
        pairs.last_order_date,
        customer_tiers.customer_segment_code,
        customer_tiers.customer_service_tier,
        product_segments.product_segment_code,
        policies.policy_id,
        policies.matched_policy_count,
        policies.policy_version,
        policies.review_period_days,
        policies.stocking_strategy,
        policies.atp_lead_time_days,
        policies.pick_priority,
        policies.transport_priority,
        policies.cost_to_serve_pricing_tier,
        products.lead_time_days as product_lead_time_days,
        coalesce(customers.has_price_clause, false) as has_price_clause
    from pairs
    left join customers
        on pairs.customer_key = customers.customer_key
    left join products
        on pairs.product_id = products.product_id
    left join customer_tiers
        on pairs.segment_customer_id = customer_tiers.segment_customer_id
    left join product_segments
        on pairs.product_id = product_segments.product_id
    left join policies
        on product_segments.product_segment_code = policies.product_segment_code
            and customer_tiers.customer_service_tier = policies.customer_service_tier
)

select * from final
