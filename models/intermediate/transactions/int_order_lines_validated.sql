{#
    Every staged order line with the one reason it cannot be used (or null),
    and whether it is an exact copy of an earlier line. Checks that need other
    entities live here, not in staging: unknown business unit, customer or
    product, and a missing FX rate (an error for that line, never a silent 1.0;
    a line already in the reporting currency needs no rate).
#}
with

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
),

business_units as (
    select
        business_unit_id,
        currency_code
    from {{ ref('int_business_units_conformed') }}
),

customers as (
    select customer_key
    from {{ ref('int_customers_reconciled') }}
),

products as (
    select product_id
    from {{ ref('int_products_conformed') }}
),

fx_rates as (
    select
        currency_code,
        rate_month,
        rate_to_reporting
    from {{ ref('int_fx_rates_conformed') }}
),

copies_numbered as (
    select
        *,
        row_number() over (partition by source_row order by source_row_number) as exact_copy_number,
        row_number() over (
            partition by business_unit_id, order_id, order_line_number order by source_row_number
        ) as key_copy_number
    from order_lines
),

checked as (
    select
        copies_numbered.*,
        coalesce(copies_numbered.currency_code, business_units.currency_code) as document_currency_code,
        case
            when coalesce(copies_numbered.currency_code, business_units.currency_code)
                = {{ sql_text_var('reporting_currency') }} then 1.0
            else fx_rates.rate_to_reporting
        end as fx_rate_to_reporting,
        copies_numbered.exact_copy_number > 1 as is_exact_duplicate,
        business_units.business_unit_id is not null as has_known_business_unit,
        customers.customer_key is not null as has_known_customer,
        products.product_id is not null as has_known_product
    from copies_numbered
    left join business_units
        on copies_numbered.business_unit_id = business_units.business_unit_id
    left join customers
        on copies_numbered.customer_key = customers.customer_key
    left join products
        on copies_numbered.product_id = products.product_id
    left join fx_rates
        on coalesce(copies_numbered.currency_code, business_units.currency_code) = fx_rates.currency_code
            and {{ dbt.date_trunc('month', 'copies_numbered.order_date') }} = fx_rates.rate_month
),

final as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        order_date,
        requested_date,
        customer_id,
        customer_key,
        ship_to_id,
        ship_to_key,
        product_id,
        plant_id,
        channel,
        quantity,
        unit_price_doc_ccy,
        unit_cost_doc_ccy,
        document_currency_code,
        fx_rate_to_reporting,
        is_exact_duplicate,
        has_known_business_unit,
        has_known_customer,
        has_known_product,
        unparseable_optional_columns,
        source_row,
        source_file,
        source_row_number,
        case
            when rejection_reason is not null then rejection_reason
            when is_exact_duplicate then null
            when key_copy_number > 1 then 'conflicting_duplicate_key'
            when not has_known_business_unit then 'unknown_business_unit'
            when not has_known_customer then 'unknown_customer'
            when not has_known_product then 'unknown_product'
            when fx_rate_to_reporting is null then 'missing_fx_rate'
        end as rejection_reason
    from checked
)

select * from final
