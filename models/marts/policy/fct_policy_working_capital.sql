{#
    Working capital per plant and product segment: the inventory value the
    policy implies (safety stock + half the lot size, at unit value) against
    the latest inventory snapshot, with the excess and the shortfall (doc
    block policy_working_capital). Totals per plant or per segment are sums
    of these rows. Excess and shortfall are summed per item, so one item's
    excess never hides another's shortfall.
#}
with

items as (
    select * from {{ ref('int_item_working_capital_assessed') }}
),

aggregated as (
    select
        plant_id,
        final_segment_code,
        max(snapshot_date) as snapshot_date,
        count(*) as item_count,
        count(case when has_policy_parameters then 1 end) as items_with_policy_count,
        count(case when unit_value_rep_ccy is null then 1 end) as unvalued_item_count,
        {{ exact_sum('policy_stock_quantity * unit_value_rep_ccy') }} as policy_stock_value_rep_ccy,
        {{ exact_sum('on_hand_value_rep_ccy') }} as on_hand_value_rep_ccy,
        {{ exact_sum('excess_value_rep_ccy') }} as excess_value_rep_ccy,
        {{ exact_sum('shortfall_value_rep_ccy') }} as shortfall_value_rep_ccy
    from items
    group by plant_id, final_segment_code
),

final as (
    select
        plant_id,
        final_segment_code,
        snapshot_date,
        item_count,
        items_with_policy_count,
        unvalued_item_count,
        policy_stock_value_rep_ccy,
        on_hand_value_rep_ccy,
        excess_value_rep_ccy,
        shortfall_value_rep_ccy,
        on_hand_value_rep_ccy - policy_stock_value_rep_ccy as net_excess_value_rep_ccy,
        snapshot_date is not null as has_inventory_snapshot,
        {{ run_id() }} as run_id
    from aggregated
)

select * from final
