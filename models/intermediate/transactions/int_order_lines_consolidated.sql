{#
    Usable order lines of all business units in one currency and one customer
    hierarchy: quarantined lines and exact duplicates left out, amounts in the
    reporting currency, gross margin, returns and outliers flagged (they stay
    in; the measures downstream decide by var whether they count).
#}
with

completeness_gates as (
    {{ assert_completeness_gates_passed() }}
),

validated as (
    select order_lines.*
    from {{ ref('int_order_lines_validated') }} as order_lines
    cross join completeness_gates
    where order_lines.rejection_reason is null
        and not order_lines.is_exact_duplicate
        and completeness_gates.completeness_gates_passed
),

products as (
    select
        product_id,
        standard_cost_rep_ccy
    from {{ ref('stg_erp__products') }}
    where rejection_reason is null
    qualify row_number() over (partition by product_id order by source_row_number) = 1
),

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

ship_tos as (
    select * from {{ ref('int_ship_tos_reconciled') }}
),

outliers as (
    select * from {{ ref('int_order_line_outliers_flagged') }}
),

converted as (
    select
        validated.business_unit_id,
        validated.order_id,
        validated.order_line_number,
        validated.order_date,
        validated.requested_date,
        validated.customer_key,
        customers.global_account_id,
        customers.segment_customer_id,
        validated.ship_to_key,
        validated.product_id,
        validated.quantity,
        validated.document_currency_code,
        validated.fx_rate_to_reporting,
        outliers.outlier_reason,
        coalesce(ship_tos.logistics_unit, 'UNASSIGNED') as logistics_unit,
        coalesce(validated.plant_id, 'UNASSIGNED') as plant_id,
        coalesce(validated.channel, 'unknown') as channel,
        validated.quantity < 0 as is_return,
        validated.quantity * validated.unit_price_doc_ccy * validated.fx_rate_to_reporting as revenue_rep_ccy,
        coalesce(
            validated.unit_cost_doc_ccy * validated.fx_rate_to_reporting,
            products.standard_cost_rep_ccy
        ) as unit_cost_rep_ccy,
        case
            when validated.unit_cost_doc_ccy is not null then 'order_line'
            when products.standard_cost_rep_ccy is not null then 'standard_cost'
        end as cost_source,
        coalesce(outliers.is_quantity_outlier, false) as is_quantity_outlier,
        coalesce(outliers.is_revenue_outlier, false) as is_revenue_outlier,
        coalesce(outliers.is_quantity_outlier or outliers.is_revenue_outlier, false) as is_outlier
    from validated
    left join products
        on validated.product_id = products.product_id
    left join customers
        on validated.customer_key = customers.customer_key
    left join ship_tos
        on validated.ship_to_key = ship_tos.ship_to_key
    left join outliers
        on validated.business_unit_id = outliers.business_unit_id
            and validated.order_id = outliers.order_id
            and validated.order_line_number = outliers.order_line_number
),

final as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        order_date,
        requested_date,
        customer_key,
        global_account_id,
        segment_customer_id,
        ship_to_key,
        logistics_unit,
        product_id,
        plant_id,
        channel,
        quantity,
        is_return,
        document_currency_code,
        fx_rate_to_reporting,
        revenue_rep_ccy,
        cost_source,
        is_quantity_outlier,
        is_revenue_outlier,
        is_outlier,
        outlier_reason,
        quantity * unit_cost_rep_ccy as cost_rep_ccy,
        revenue_rep_ccy - quantity * unit_cost_rep_ccy as gross_margin_rep_ccy,
        {{ counts_in_measure('value') }} as counts_in_value,
        {{ counts_in_measure('variability') }} as counts_in_variability
    from converted
)

select * from final
