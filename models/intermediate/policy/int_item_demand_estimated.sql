{#
    Demand per period of every item (product x plant), mean and standard
    deviation, naive and stock-out aware (doc blocks policy_demand_statistics
    and policy_stockout_demand): one row per item. The naive estimate uses
    every period of the item's history as observed; the estimate used for the
    parameters uses demand_quantity_for_estimate of int_item_demand_periods
    (censored periods left out or corrected, by var stockout_demand_rule).
    Standard deviations are sample deviations (n - 1; 0 with one period),
    computed in two passes from exact sums so reruns give identical numbers.
#}
{%- set rule = validated_var('stockout_demand_rule') -%}
with

item_periods as (
    select * from {{ ref('int_item_demand_periods') }}
),

inventory_input as (
    select coalesce(sum(snapshot_count), 0) > 0 as has_inventory_snapshots
    from item_periods
),

first_pass as (
    select
        product_id,
        plant_id,
        count(*) as history_period_count,
        count(demand_quantity_for_estimate) as estimate_period_count,
        count(case when is_stockout_period then 1 end) as stockout_period_count,
        count(case when snapshot_count > 0 then 1 end) as periods_with_snapshot_count,
        {{ exact_sum('demand_quantity') }} / count(*) as naive_demand_per_period_mean,
        {{ exact_sum('demand_quantity_for_estimate') }}
        / nullif(count(demand_quantity_for_estimate), 0) as demand_per_period_mean,
        sum(days_in_period) as history_day_count
    from item_periods
    group by product_id, plant_id
),

second_pass as (
    select
        item_periods.product_id,
        item_periods.plant_id,
        {{ exact_sum('power(item_periods.demand_quantity - first_pass.naive_demand_per_period_mean, 2)') }}
            as naive_squared_deviation_sum,
        {{ exact_sum('power(item_periods.demand_quantity_for_estimate - first_pass.demand_per_period_mean, 2)') }}
            as squared_deviation_sum
    from item_periods
    inner join first_pass
        on item_periods.product_id = first_pass.product_id
            and item_periods.plant_id = first_pass.plant_id
    group by item_periods.product_id, item_periods.plant_id
),

final as (
    select
        first_pass.product_id,
        first_pass.plant_id,
        first_pass.history_period_count,
        first_pass.estimate_period_count,
        first_pass.stockout_period_count,
        first_pass.periods_with_snapshot_count,
        first_pass.history_day_count,
        first_pass.naive_demand_per_period_mean,
        first_pass.demand_per_period_mean,
        case
            when first_pass.history_period_count > 1
                then sqrt(second_pass.naive_squared_deviation_sum / (first_pass.history_period_count - 1))
            else 0
        end as naive_demand_per_period_std,
        case
            when first_pass.estimate_period_count > 1
                then sqrt(coalesce(second_pass.squared_deviation_sum, 0) / (first_pass.estimate_period_count - 1))
            else 0
        end as demand_per_period_std,
        case
            when not inventory_input.has_inventory_snapshots then 'all_periods_no_inventory'
            {%- if rule == 'ignore' %}
                when true then 'all_periods_rule_ignored'
            {%- endif %}
            when first_pass.stockout_period_count = 0 then 'all_periods'
            when first_pass.stockout_period_count = first_pass.history_period_count then 'all_periods_all_censored'
            {%- if rule == 'exclude' %}
                else 'censored_periods_excluded'
            {%- else %}
                else 'censored_periods_corrected'
            {%- endif %}
        end as demand_estimate_method
    from first_pass
    inner join second_pass
        on first_pass.product_id = second_pass.product_id
            and first_pass.plant_id = second_pass.plant_id
    cross join inventory_input
)

select * from final
