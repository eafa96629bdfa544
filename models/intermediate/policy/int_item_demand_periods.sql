{#
    The demand history of every item (product x plant) per demand period of
    the analysis window, the input of the item parameters: one row per item
    and period from the item's first period with demand (its first period with
    a line when it has none) to the last period of the window, periods without
    demand filled with 0. Lines count as in the variability measures
    (counts_in_measure('variability'): returns and, by var, outliers left out;
    see int_order_line_outliers_flagged); items with returns only are left
    out. A period is censored (stock-out)
    when an inventory snapshot dated in it shows zero or less on hand for the
    product at the plant (doc block policy_stockout_demand).
    demand_quantity_for_estimate is the demand the statistics use, by var
    stockout_demand_rule: exclude = null in censored periods, correct =
    raised to the mean of the item's uncensored periods, ignore = as observed.
#}
{%- set rule = validated_var('stockout_demand_rule') -%}
with

lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

snapshots as (
    select * from {{ ref('stg_wms__inventory_snapshots') }}
    where rejection_reason is null
),

item_period_demand as (
    select
        lines.product_id,
        lines.plant_id,
        periods.window_period_number,
        {{ exact_sum('case when lines.counts_in_variability then lines.quantity else 0 end') }}
            as demand_quantity,
        count(case when not lines.is_return then 1 end) as sales_line_count
    from lines
    inner join periods
        on lines.order_date between periods.period_start_date and periods.period_end_date
    group by lines.product_id, lines.plant_id, periods.window_period_number
),

item_starts as (
    select
        product_id,
        plant_id,
        coalesce(
            min(case when demand_quantity > 0 then window_period_number end), min(window_period_number)
        ) as first_period_number
    from item_period_demand
    group by product_id, plant_id
    having sum(sales_line_count) > 0
),

stockout_periods as (
    select
        snapshots.product_id,
        snapshots.plant_id,
        periods.window_period_number,
        count(*) as snapshot_count,
        count(case when snapshots.on_hand_quantity <= 0 then 1 end) as stockout_snapshot_count
    from snapshots
    inner join periods
        on snapshots.snapshot_date between periods.period_start_date and periods.period_end_date
    group by snapshots.product_id, snapshots.plant_id, periods.window_period_number
),

filled as (
    select
        item_starts.product_id,
        item_starts.plant_id,
        periods.window_period_number,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period,
        coalesce(item_period_demand.demand_quantity, 0) as demand_quantity,
        coalesce(stockout_periods.snapshot_count, 0) as snapshot_count,
        coalesce(stockout_periods.stockout_snapshot_count, 0) > 0 as is_stockout_period
    from item_starts
    inner join periods
        on item_starts.first_period_number <= periods.window_period_number
    left join item_period_demand
        on item_starts.product_id = item_period_demand.product_id
            and item_starts.plant_id = item_period_demand.plant_id
            and periods.window_period_number = item_period_demand.window_period_number
    left join stockout_periods
        on item_starts.product_id = stockout_periods.product_id
            and item_starts.plant_id = stockout_periods.plant_id
            and periods.window_period_number = stockout_periods.window_period_number
),

with_uncensored_mean as (
    select
        *,
        {{ exact_sum(
            'case when not is_stockout_period then demand_quantity end', over='partition by product_id, plant_id'
        ) }}
        / nullif(count(case when not is_stockout_period then 1 end) over (
            partition by product_id, plant_id
        ), 0) as uncensored_mean_demand_quantity
    from filled
),

final as (
    select
        product_id,
        plant_id,
        window_period_number,
        period_start_date,
        period_end_date,
        days_in_period,
        demand_quantity,
        snapshot_count,
        is_stockout_period,
        uncensored_mean_demand_quantity,
        {%- if rule == 'exclude' %}
            case
                when is_stockout_period and uncensored_mean_demand_quantity is not null then null
                else demand_quantity
            end
        {%- elif rule == 'correct' %}
            case
                when is_stockout_period then greatest(demand_quantity, coalesce(uncensored_mean_demand_quantity, 0))
                else demand_quantity
            end
        {%- else %}
            demand_quantity
        {%- endif %} as demand_quantity_for_estimate
    from with_uncensored_mean
)

select * from final
