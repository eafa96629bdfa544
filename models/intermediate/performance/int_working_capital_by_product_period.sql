{#
    Working capital per product in the KPI period holding the latest
    inventory snapshot (int_item_working_capital_assessed, doc block
    policy_working_capital): stock on hand, the stock the policy implies and
    the excess, at unit value, summed over plants. One period only: the
    policy is set against the latest snapshot. Doc block kpi_working_capital.
#}
with

items as (
    select * from {{ ref('int_item_working_capital_assessed') }}
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

latest_snapshot as (
    select max(snapshot_date) as snapshot_date
    from items
),

by_product as (
    select
        product_id,
        {{ exact_sum('on_hand_value_rep_ccy') }} as on_hand_value_rep_ccy,
        {{ exact_sum('policy_stock_value_rep_ccy') }} as policy_stock_value_rep_ccy,
        {{ exact_sum('excess_value_rep_ccy') }} as excess_value_rep_ccy
    from items
    where on_hand_value_rep_ccy is not null
    group by product_id
),

final as (
    select
        by_product.product_id,
        periods.calendar_id,
        periods.fiscal_period_key,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period,
        latest_snapshot.snapshot_date,
        by_product.on_hand_value_rep_ccy,
        by_product.policy_stock_value_rep_ccy,
        by_product.excess_value_rep_ccy
    from by_product
    cross join latest_snapshot
    inner join periods
        on latest_snapshot.snapshot_date between periods.period_start_date and periods.period_end_date
)

select * from final
