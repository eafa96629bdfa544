{#
    The stocking parameters of every item (product x plant with sales in the
    analysis window), one row each, with the policy that set them, the
    fallbacks used and the run id: what planners, the MRP/DRP and the
    material-master export read. Thin: int_item_policy_parameters computes.
#}
with

parameters as (
    select * from {{ ref('int_item_policy_parameters') }}
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
        demand_per_period_std,
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
        safety_stock_method,
        safety_stock_quantity,
        reorder_point_quantity,
        order_up_to_quantity,
        eoq_quantity,
        moq_quantity,
        pack_size_quantity,
        lot_size_quantity,
        lot_coverage_cap_quantity,
        is_lot_size_pack_forced,
        unit_cost_rep_ccy,
        unit_value_rep_ccy,
        unit_value_source,
        annual_demand_quantity,
        {{ run_id() }} as run_id
    from parameters
)

select * from final
