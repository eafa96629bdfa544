{#
    Working capital per item (product x plant): the stock the policy implies
    against the latest inventory snapshot (doc block policy_working_capital).
    Items are those with parameters (int_item_policy_parameters) and those on
    the latest snapshot without sales in the window (their stock is all
    excess). Policy stock = safety stock + half the lot size for items the
    policy stocks, 0 for no_stock items. Values are at the item's unit value
    (unit cost, else unit price), for snapshot-only items the product's
    standard cost. An item missing from the latest snapshot has 0 on hand;
    without an inventory file on-hand, excess and shortfall are null.
#}
with

parameters as (
    select * from {{ ref('int_item_policy_parameters') }}
),

snapshots as (
    select * from {{ ref('stg_wms__inventory_snapshots') }}
    where rejection_reason is null
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

latest_snapshot_date as (
    select max(snapshots.snapshot_date) as snapshot_date
    from snapshots
    cross join reference
    where snapshots.snapshot_date <= reference.reference_date
),

latest_on_hand as (
    select
        snapshots.product_id,
        snapshots.plant_id,
        snapshots.snapshot_date,
        {{ exact_sum('snapshots.on_hand_quantity') }} as on_hand_quantity
    from snapshots
    inner join latest_snapshot_date
        on snapshots.snapshot_date = latest_snapshot_date.snapshot_date
    group by snapshots.product_id, snapshots.plant_id, snapshots.snapshot_date
),

product_segments as (
    select
        entity_id as product_id,
        final_segment_code
    from assignments
    where grain = 'product'
),

items as (
    select
        parameters.policy_id,
        parameters.safety_stock_method,
        parameters.safety_stock_quantity,
        parameters.lot_size_quantity,
        latest_snapshot_date.snapshot_date,
        coalesce(parameters.product_id, latest_on_hand.product_id) as product_id,
        coalesce(parameters.plant_id, latest_on_hand.plant_id) as plant_id,
        case
            when latest_snapshot_date.snapshot_date is not null then coalesce(latest_on_hand.on_hand_quantity, 0)
        end as on_hand_quantity,
        parameters.product_id is not null as has_policy_parameters,
        coalesce(parameters.final_segment_code, product_segments.final_segment_code, 'unsegmented')
            as final_segment_code,
        coalesce(parameters.unit_value_rep_ccy, products.standard_cost_rep_ccy) as unit_value_rep_ccy,
        case
            when parameters.product_id is null then 0
            else {{ policy_stock(
                'parameters.safety_stock_method', 'parameters.safety_stock_quantity', 'parameters.lot_size_quantity'
            ) }}
        end as policy_stock_quantity
    from parameters
    full outer join latest_on_hand
        on parameters.product_id = latest_on_hand.product_id
            and parameters.plant_id = latest_on_hand.plant_id
    left join products
        on coalesce(parameters.product_id, latest_on_hand.product_id) = products.product_id
    left join product_segments
        on coalesce(parameters.product_id, latest_on_hand.product_id) = product_segments.product_id
    cross join latest_snapshot_date
),

final as (
    select
        items.product_id,
        items.plant_id,
        items.final_segment_code,
        items.policy_id,
        items.has_policy_parameters,
        items.policy_stock_quantity,
        items.on_hand_quantity,
        items.snapshot_date,
        items.unit_value_rep_ccy,
        greatest(items.on_hand_quantity - items.policy_stock_quantity, 0) as excess_quantity,
        greatest(items.policy_stock_quantity - items.on_hand_quantity, 0) as shortfall_quantity,
        items.policy_stock_quantity * items.unit_value_rep_ccy as policy_stock_value_rep_ccy,
        items.on_hand_quantity * items.unit_value_rep_ccy as on_hand_value_rep_ccy,
        greatest(items.on_hand_quantity - items.policy_stock_quantity, 0) * items.unit_value_rep_ccy
            as excess_value_rep_ccy,
        greatest(items.policy_stock_quantity - items.on_hand_quantity, 0) * items.unit_value_rep_ccy
            as shortfall_value_rep_ccy
    from items
)

select * from final
