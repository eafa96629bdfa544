{#
    One row per product and KPI period with stock or sales: the average stock
    on hand over the period's snapshot dates (all plants; a product absent from
    a snapshot date has none on hand that date), the quantity sold (usable
    sales lines ordered in the period) and both valued at the product's
    standard cost. Turns and days of supply are computed from these per
    segment (doc block kpi_inventory). Products without a standard cost keep
    their quantities and have null values.
#}
with

snapshots as (
    select * from {{ ref('stg_wms__inventory_snapshots') }}
    where rejection_reason is null
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

sales_lines as (
    select * from {{ ref('int_order_lines_fulfilment_measured') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

snapshots_in_periods as (
    select
        periods.fiscal_period_key,
        snapshots.snapshot_date,
        snapshots.product_id,
        snapshots.on_hand_quantity
    from snapshots
    inner join periods
        on snapshots.snapshot_date between periods.period_start_date and periods.period_end_date
),

snapshot_dates as (
    select
        fiscal_period_key,
        count(distinct snapshot_date) as snapshot_date_count
    from snapshots_in_periods
    group by fiscal_period_key
),

stock as (
    select
        snapshots_in_periods.fiscal_period_key,
        snapshots_in_periods.product_id,
        {{ exact_sum('coalesce(snapshots_in_periods.on_hand_quantity, 0)') }}
        / max(snapshot_dates.snapshot_date_count) as average_on_hand_quantity
    from snapshots_in_periods
    inner join snapshot_dates
        on snapshots_in_periods.fiscal_period_key = snapshot_dates.fiscal_period_key
    group by snapshots_in_periods.fiscal_period_key, snapshots_in_periods.product_id
),

sold as (
    select
        fiscal_period_key,
        product_id,
        {{ exact_sum('quantity') }} as sold_quantity
    from sales_lines
    group by fiscal_period_key, product_id
),

combined as (
    select
        coalesce(stock.fiscal_period_key, sold.fiscal_period_key) as fiscal_period_key,
        coalesce(stock.product_id, sold.product_id) as product_id,
        coalesce(stock.average_on_hand_quantity, 0) as average_on_hand_quantity,
        coalesce(sold.sold_quantity, 0) as sold_quantity
    from stock
    full outer join sold
        on stock.fiscal_period_key = sold.fiscal_period_key
            and stock.product_id = sold.product_id
),

final as (
    select
        combined.product_id,
        periods.calendar_id,
        combined.fiscal_period_key,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period,
        combined.average_on_hand_quantity,
        combined.sold_quantity,
        products.standard_cost_rep_ccy,
        combined.average_on_hand_quantity * products.standard_cost_rep_ccy as average_inventory_value_rep_ccy,
        combined.sold_quantity * products.standard_cost_rep_ccy as cost_of_goods_sold_rep_ccy
    from combined
    inner join periods
        on combined.fiscal_period_key = periods.fiscal_period_key
    left join products
        on combined.product_id = products.product_id
)

select * from final
