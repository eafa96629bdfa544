{#
    ERP export: material master, one row per product and plant with demand
    in the analysis window: MRP type and planning strategy from the item's
    policy, ABC indicator, safety stock, reorder point, lot size and planned
    delivery time from the item parameters (int_item_policy_parameters, the
    step behind fct_item_policy_parameters). Doc block erp_exports.
#}
with

items as (
    select * from {{ ref('int_item_policy_parameters') }}
),

item_inputs as (
    select * from {{ ref('int_item_policy_inputs') }}
),

final as (
    select
        items.product_id,
        items.plant_id,
        case
            when items.safety_stock_method = 'no_stock' then 'ND'
            when items.stocking_strategy = 'make_to_stock' then 'VB'
            else 'PD'
        end as mrp_type,
        case items.stocking_strategy
            when 'make_to_stock' then '10'
            when 'make_to_order' then '20'
            when 'assemble_to_order' then '82'
        end as planning_strategy_group,
        items.stocking_strategy,
        left(items.final_segment_code, 1) as abc_indicator,
        items.final_segment_code as segment_code,
        items.policy_id,
        items.policy_version,
        cast(items.demand_per_period_mean as double) as demand_per_period_mean,
        cast(items.safety_stock_quantity as double) as safety_stock_quantity,
        cast(items.reorder_point_quantity as double) as reorder_point_quantity,
        cast(items.lot_size_quantity as double) as lot_size_quantity,
        cast(items.moq_quantity as double) as minimum_lot_size_quantity,
        item_inputs.moq_rule as minimum_lot_size_rule,
        cast(ceil(items.lead_time_days_mean) as integer) as planned_delivery_time_days,
        items.lead_time_source,
        items.safety_stock_method,
        {{ run_id() }} as run_id,
        {{ model_version() }} as model_version
    from items
    left join item_inputs
        on items.product_id = item_inputs.product_id
            and items.plant_id = item_inputs.plant_id
)

select * from final
