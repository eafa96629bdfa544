{#
    The customer and product rows where a contract price clause kept the
    contract's terms: the policy's cost-to-serve pricing tier would have
    applied but was not (doc block contract_price_clause). One row per ERP
    customer and product.
#}
with

pricing as (
    select * from {{ ref('int_customer_product_pricing') }}
),

final as (
    select
        customer_key,
        business_unit_id,
        customer_id,
        product_id,
        customer_service_tier,
        product_segment_code,
        policy_id,
        policy_version,
        policy_pricing_tier as pricing_tier_not_applied,
        condition_type
    from pricing
    where is_contract_terms_kept
)

select * from final
