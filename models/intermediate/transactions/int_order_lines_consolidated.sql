{#
    Usable order lines of all business units in one currency and one customer
    hierarchy: quarantined lines and exact duplicates left out, amounts in the
    reporting currency, gross margin, returns and outliers flagged (they stay
    in; the measures downstream decide by var whether they count).
#}
with

completeness_gates as (
    select * from {{ ref('int_completeness_gate_results') }}
),

usable_lines as (
    select * from {{ ref('int_order_lines_usable') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
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

gates_passed as (
    {{ assert_completeness_gates_passed('completeness_gates') }}
),

gated_lines as (
    select usable_lines.*
    from usable_lines
    cross join gates_passed
    where gates_passed.completeness_gates_passed
),

converted as (
    select
        gated_lines.business_unit_id,
        gated_lines.order_id,
        gated_lines.order_line_number,
        gated_lines.order_date,
        gated_lines.requested_date,
        gated_lines.customer_key,
        customers.global_account_id,
        customers.segment_customer_id,
        gated_lines.ship_to_key,
        gated_lines.product_id,
        gated_lines.quantity,
        gated_lines.document_currency_code,
        gated_lines.fx_rate_to_reporting,
        outliers.outlier_reason,
        coalesce(ship_tos.logistics_unit, 'UNASSIGNED') as logistics_unit,
        coalesce(gated_lines.plant_id, 'UNASSIGNED') as plant_id,
        coalesce(gated_lines.channel, 'unknown') as channel,
        gated_lines.quantity < 0 as is_return,
        gated_lines.quantity * gated_lines.unit_price_doc_ccy * gated_lines.fx_rate_to_reporting as revenue_rep_ccy,
        coalesce(
            gated_lines.unit_cost_doc_ccy * gated_lines.fx_rate_to_reporting,
            products.standard_cost_rep_ccy
        ) as unit_cost_rep_ccy,
        case
            when gated_lines.unit_cost_doc_ccy is not null then 'order_line'
            when products.standard_cost_rep_ccy is not null then 'standard_cost'
        end as cost_source,
        coalesce(outliers.is_quantity_outlier, false) as is_quantity_outlier,
        coalesce(outliers.is_revenue_outlier, false) as is_revenue_outlier,
        coalesce(outliers.is_quantity_outlier or outliers.is_revenue_outlier, false) as is_outlier
    from gated_lines
    left join products
        on gated_lines.product_id = products.product_id
    left join customers
        on gated_lines.customer_key = customers.customer_key
    left join ship_tos
        on gated_lines.ship_to_key = ship_tos.ship_to_key
    left join outliers
        on gated_lines.business_unit_id = outliers.business_unit_id
            and gated_lines.order_id = outliers.order_id
            and gated_lines.order_line_number = outliers.order_line_number
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
