{#
    The usable order lines: validated lines with no rejection reason, exact
    copies of an earlier line left out. This is the one place the usable-line
    rule is written; every model that measures demand, value or the hierarchy
    from order lines reads this model. See the doc block order_line_validation.
#}
with

validated as (
    select * from {{ ref('int_order_lines_validated') }}
),

usable as (
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
        source_file,
        source_row_number
    from validated
    where rejection_reason is null
        and not is_exact_duplicate
),

final as (
    select * from usable
)

select * from final
