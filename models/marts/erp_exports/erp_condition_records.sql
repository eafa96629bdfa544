{#
    ERP export: condition records, one row per condition type, sales
    organisation (business unit), customer and product where a cost-to-serve
    pricing tier changes the list price (surcharge or discount, not zero)
    and no contract price clause forbids it. Valid from the day after the
    reference date until further notice (9999-12-31). Doc blocks erp_exports
    and cost_to_serve_pricing.
#}
with

pricing as (
    select * from {{ ref('int_customer_product_pricing') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

final as (
    select
        pricing.condition_type,
        pricing.business_unit_id,
        pricing.customer_id,
        pricing.product_id,
        cast({{ dbt.dateadd('day', 1, 'reference.reference_date') }} as date) as valid_from_date,
        cast('9999-12-31' as date) as valid_to_date,
        cast(pricing.applied_surcharge_percent as double) as condition_value,
        '%' as condition_unit,
        pricing.applied_pricing_tier as pricing_tier,
        pricing.policy_id,
        pricing.policy_version,
        {{ run_id() }} as run_id,
        {{ model_version() }} as model_version
    from pricing
    cross join reference
    where
        not pricing.has_price_clause
        and pricing.applied_surcharge_percent <> 0
)

select * from final
