{#
    The stocking parameters of every item (product x plant with sales in the
    analysis window): safety stock, reorder point, order-up-to level, EOQ,
    MOQ, pack and lot size, and the average stock the policy implies (doc
    blocks policy_safety_stock and policy_lot_size), and whether one pack
    alone is more than the sanity limit of var policy_sanity_max_lot_size_periods
    periods of demand (is_lot_size_pack_forced, doc block
    planning_sanity_checks). The normal formula and
    EOQ come from the macros of macros/policy/policy_formulas.sql; the
    quantiles of the count and empirical methods from the Python model
    int_item_demand_quantiles (scipy). One row per item.
#}
{%- set provisional_cv = sql_number_var('new_item_provisional_cv') -%}
{%- set order_cost = sql_number_var('policy_order_cost_rep_ccy') -%}
{%- set holding_rate = sql_number_var('policy_annual_holding_cost_rate') -%}
{%- set max_cover_periods = sql_number_var('policy_max_lot_coverage_periods') -%}
{%- set sanity_lot_periods = sql_number_var('policy_sanity_max_lot_size_periods') -%}
with

inputs as (
    select * from {{ ref('int_item_policy_inputs') }}
),

quantiles as (
    select * from {{ ref('int_item_demand_quantiles') }}
),

forecast_methods as (
    select * from {{ ref('forecast_methods') }}
),

prepared as (
    select
        inputs.*,
        forecast_methods.forecast_method_family,
        quantiles.reorder_point_quantile,
        quantiles.order_up_to_quantile,
        coalesce(quantiles.safety_stock_method, inputs.safety_stock_method) as method_used,
        case
            when inputs.safety_stock_method = 'provisional_new'
                then inputs.demand_per_period_mean * {{ provisional_cv }}
            else inputs.demand_per_period_std
        end as demand_std_used,
        {{ normal_quantile('inputs.target_cycle_service_level') }} as service_level_z,
        coalesce(inputs.unit_cost_rep_ccy, inputs.unit_price_rep_ccy) as unit_value_rep_ccy,
        case
            when inputs.unit_cost_rep_ccy is not null then 'unit_cost'
            when inputs.unit_price_rep_ccy is not null then 'unit_price_from_revenue'
        end as unit_value_source,
        inputs.demand_per_period_mean * 365.25 / inputs.demand_period_days as annual_demand_quantity
    from inputs
    left join quantiles
        on inputs.product_id = quantiles.product_id
            and inputs.plant_id = quantiles.plant_id
    left join forecast_methods
        on inputs.demand_pattern = forecast_methods.demand_pattern
),

stock_levels as (
    select
        *,
        case
            when method_used = 'no_stock' then 0
            when method_used in ('normal', 'provisional_new')
                then {{ normal_safety_stock(
                    'service_level_z', 'lead_time_periods', 'demand_std_used',
                    'demand_per_period_mean', 'lead_time_std_periods') }}
            else greatest(reorder_point_quantile, lead_time_demand_mean) - lead_time_demand_mean
        end as safety_stock_quantity,
        case
            when method_used = 'no_stock' then 0
            when method_used in ('normal', 'provisional_new')
                then demand_per_period_mean * (lead_time_periods + review_periods)
                    + {{ normal_safety_stock(
                    'service_level_z', '(lead_time_periods + review_periods)', 'demand_std_used',
                    'demand_per_period_mean', 'lead_time_std_periods') }}
            else greatest(order_up_to_quantile, lead_time_review_demand_mean)
        end as order_up_to_quantity,
        {{ economic_order_quantity(order_cost, 'annual_demand_quantity', holding_rate ~ ' * unit_value_rep_ccy') }}
            as eoq_quantity,
        case moq_rule
            when 'none' then 0
            when 'pack' then pack_size_quantity
            when 'periods_of_demand' then moq_periods_of_demand * demand_per_period_mean
        end as moq_quantity
    from prepared
),

final as (
    select
        product_id,
        plant_id,
        policy_id,
        policy_version,
        final_segment_code,
        customer_service_tier,
        demand_pattern,
        forecast_method_family,
        lifecycle_status,
        stocking_strategy,
        target_cycle_service_level,
        service_level_z,
        review_period_days,
        demand_period_days,
        history_period_count,
        demand_per_period_mean,
        demand_std_used as demand_per_period_std,
        naive_demand_per_period_mean,
        naive_demand_per_period_std,
        demand_estimate_method,
        stockout_period_count,
        lead_time_days_mean,
        lead_time_days_std,
        lead_time_source,
        lead_time_observation_count,
        lead_time_periods,
        review_periods,
        lead_time_demand_mean,
        lead_time_demand_variance,
        lead_time_demand_dispersion,
        method_used as safety_stock_method,
        safety_stock_quantity,
        order_up_to_quantity,
        eoq_quantity,
        moq_quantity,
        pack_size_quantity,
        unit_cost_rep_ccy,
        unit_value_rep_ccy,
        unit_value_source,
        annual_demand_quantity,
        case
            when method_used = 'no_stock' then 0 else lead_time_demand_mean + safety_stock_quantity
        end as reorder_point_quantity,
        {{ max_cover_periods }} * demand_per_period_mean as lot_coverage_cap_quantity,
        {{ lot_size(
            'case when eoq_quantity is not null then least(eoq_quantity, '
            ~ max_cover_periods ~ ' * demand_per_period_mean) end',
            'moq_quantity', 'pack_size_quantity') }} as lot_size_quantity,
        method_used <> 'no_stock'
        and pack_size_quantity > {{ sanity_lot_periods }} * demand_per_period_mean as is_lot_size_pack_forced
    from stock_levels
)

select * from final
