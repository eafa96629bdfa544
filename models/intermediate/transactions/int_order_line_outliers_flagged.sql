{#
    Quantity and revenue outliers per product, by the robust rule of
    var('outlier_method') (default log_mad: median +/- k scaled MADs of the
    log of the value, never closer than var('outlier_min_ratio_to_median')
    times the typical line) over the product's usable sales lines (returns
    left out); see macro robust_outlier_bounds and the doc block outlier_rule.
    Flagged lines stay in the data; counts_in_measure() decides where they count.
#}
with

lines as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        product_id,
        quantity,
        quantity * unit_price_doc_ccy * fx_rate_to_reporting as revenue_rep_ccy
    from {{ ref('int_order_lines_usable') }}
    where quantity > 0
),

quantity_bounds as (
    {{ robust_outlier_bounds('lines', 'quantity', 'product_id') }}
),

revenue_bounds as (
    {{ robust_outlier_bounds('lines', 'revenue_rep_ccy', 'product_id') }}
),

flagged as (
    select
        lines.business_unit_id,
        lines.order_id,
        lines.order_line_number,
        lines.product_id,
        lines.quantity,
        lines.revenue_rep_ccy,
        quantity_bounds.lower_bound as quantity_lower_bound,
        quantity_bounds.upper_bound as quantity_upper_bound,
        revenue_bounds.lower_bound as revenue_lower_bound,
        revenue_bounds.upper_bound as revenue_upper_bound,
        coalesce(
            lines.quantity < quantity_bounds.lower_bound or lines.quantity > quantity_bounds.upper_bound, false
        ) as is_quantity_outlier,
        coalesce(
            lines.revenue_rep_ccy < revenue_bounds.lower_bound
            or lines.revenue_rep_ccy > revenue_bounds.upper_bound, false
        ) as is_revenue_outlier
    from lines
    left join quantity_bounds
        on lines.product_id = quantity_bounds.product_id
    left join revenue_bounds
        on lines.product_id = revenue_bounds.product_id
),

final as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        product_id,
        quantity,
        revenue_rep_ccy,
        quantity_lower_bound,
        quantity_upper_bound,
        revenue_lower_bound,
        revenue_upper_bound,
        is_quantity_outlier,
        is_revenue_outlier,
        case
            when is_quantity_outlier and is_revenue_outlier
                then 'quantity and revenue outside the ' || {{ sql_text_var('outlier_method') }}
                    || ' limits of the product'
            when is_quantity_outlier
                then 'quantity outside the ' || {{ sql_text_var('outlier_method') }} || ' limits of the product'
            when is_revenue_outlier
                then 'revenue outside the ' || {{ sql_text_var('outlier_method') }} || ' limits of the product'
        end as outlier_reason
    from flagged
    where is_quantity_outlier or is_revenue_outlier
)

select * from final
