{#
    ERP export: customer master, one row per ERP customer (business unit and
    customer number) with its segment code, delivery priority and service
    tier. Doc block erp_exports.
#}
with

customers as (
    select * from {{ ref('int_customer_delivery_priorities') }}
),

final as (
    select
        business_unit_id,
        customer_id,
        global_account_id,
        final_segment_code as segment_code,
        cast(final_service_tier as integer) as service_tier,
        cast(delivery_priority as integer) as delivery_priority,
        delivery_priority_basis,
        has_price_clause,
        {{ run_id() }} as run_id,
        {{ model_version() }} as model_version
    from customers
)

select * from final
