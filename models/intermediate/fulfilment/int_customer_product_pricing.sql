{#
    One row per ERP customer (customer_key) and product with order lines in
    the analysis window: the cost-to-serve pricing tier of the matched policy,
    whether the customer's contract price clause kept its terms instead, and
    the tier and surcharge that apply. Doc blocks cost_to_serve_pricing and
    contract_price_clause.
#}
with

customer_products as (
    select * from {{ ref('int_customer_product_policies') }}
),

pricing_tiers as (
    select * from {{ ref('cost_to_serve_pricing_tiers') }}
),

final as (
    select
        customer_products.customer_key,
        customer_products.business_unit_id,
        customer_products.customer_id,
        customer_products.product_id,
        customer_products.customer_service_tier,
        customer_products.product_segment_code,
        customer_products.policy_id,
        customer_products.policy_version,
        customer_products.cost_to_serve_pricing_tier as policy_pricing_tier,
        customer_products.has_price_clause,
        pricing_tiers.condition_type,
        customer_products.has_price_clause
        and customer_products.cost_to_serve_pricing_tier is not null as is_contract_terms_kept,
        case
            when customer_products.cost_to_serve_pricing_tier is null then 'no_policy'
            when customer_products.has_price_clause then 'contract_terms'
            else customer_products.cost_to_serve_pricing_tier
        end as applied_pricing_tier,
        case
            when not customer_products.has_price_clause then pricing_tiers.surcharge_percent
        end as applied_surcharge_percent
    from customer_products
    left join pricing_tiers
        on customer_products.cost_to_serve_pricing_tier = pricing_tiers.pricing_tier
)

select * from final
