{#
    One row per grain and entity over the analysis window: the value measures
    ABC can rank on (revenue, gross margin, volume, order lines), their
    time-decayed versions when var('decay_half_life_periods') is set, and the
    entity's history in the window (first and last period with sales).
    Decay weight of period p: 0.5 ^ ((N - p) / half_life), N the last period.
    Spine step 1: reads int_demand_by_period only (doc block segmentation_spine).
#}
with

demand as (
    select * from {{ ref('int_demand_by_period') }}
),

window_size as (
    -- Every row carries the window's period count (int_demand_by_period, spine step 0).
    select max(window_period_count) as window_period_count
    from demand
),

weighted as (
    select
        demand.*,
        {{ period_decay_weight('demand.window_period_number', 'window_size.window_period_count') }} as decay_weight,
        window_size.window_period_count
    from demand
    cross join window_size
),

final as (
    select
        grain,
        entity_id,
        {{ exact_sum('revenue_rep_ccy') }} as revenue_rep_ccy,
        case
            when sum(lines_without_cost_count) = 0 then {{ exact_sum('gross_margin_rep_ccy') }}
        end as gross_margin_rep_ccy,
        {{ exact_sum('volume_quantity') }} as volume_quantity,
        sum(order_line_count) as order_line_count,
        {{ exact_sum('decay_weight * revenue_rep_ccy') }} as revenue_decayed_rep_ccy,
        case
            when sum(lines_without_cost_count) = 0 then {{ exact_sum('decay_weight * gross_margin_rep_ccy') }}
        end as gross_margin_decayed_rep_ccy,
        {{ exact_sum('decay_weight * volume_quantity') }} as volume_decayed_quantity,
        {{ exact_sum('decay_weight * order_line_count') }} as order_line_decayed_count,
        sum(lines_without_cost_count) as lines_without_cost_count,
        {{ exact_sum('returned_quantity') }} as returned_quantity,
        {{ exact_sum('returned_revenue_rep_ccy') }} as returned_revenue_rep_ccy,
        sum(outlier_line_count) as outlier_line_count,
        min(case when order_line_count > 0 or demand_quantity <> 0 then window_period_number end)
            as first_period_number,
        max(case when order_line_count > 0 or demand_quantity <> 0 then window_period_number end)
            as last_period_number,
        max(window_period_count) as window_period_count
    from weighted
    group by grain, entity_id
)

select * from final
