{#
    The impact of publishing this build (the candidate) instead of the
    published build, in a few numbers: one row per grain and measure (doc
    block segment_impact_summary). Measures:
    - entities_moved (each segmentation grain): entities whose final segment
      or service tier changes, or that enter or leave (int_segment_impact_assessed);
    - revenue_affected_rep_ccy (grains customer and product): their revenue;
    - policy_changed_items and safety_stock_changed_items (grain item =
      product x plant): items whose policy parameters change
      (int_segment_impact_assessed_items), and those whose safety stock does;
    - working_capital_delta_rep_ccy (grain item): policy stock value
      candidate minus published, summed over plants and segments
      (int_segment_impact_assessed_working_capital);
    - promise_changed_pairs and priority_changed_pairs (grain
      customer_product): customer x product pairs whose ATP promise or
      pick / transport priority changes (int_segment_impact_assessed_promises).
    Every measure has its row (0 when nothing changes) whenever a published
    build is compared; empty without one.
#}
with

impacts as (
    select * from {{ ref('int_segment_impact_assessed') }}
),

items as (
    select * from {{ ref('int_segment_impact_assessed_items') }}
),

promises as (
    select * from {{ ref('int_segment_impact_assessed_promises') }}
),

working_capital as (
    select * from {{ ref('int_segment_impact_assessed_working_capital') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

comparison as (
    select
        max(published_run_id) as published_run_id,
        max(candidate_run_id) as candidate_run_id
    from working_capital
),

grains as (
    select grain from assignments
    union
    select grain from impacts
),

entity_measures as (
    select
        grains.grain,
        count(impacts.entity_id) as entities_moved,
        {{ exact_sum('coalesce(impacts.revenue_rep_ccy, 0)') }} as revenue_affected_rep_ccy
    from grains
    left join impacts
        on grains.grain = impacts.grain
    group by grains.grain
),

item_measures as (
    select
        count(*) as policy_changed_items,
        count(case when is_safety_stock_changed then 1 end) as safety_stock_changed_items
    from items
),

working_capital_measures as (
    select {{ exact_sum('working_capital_delta_rep_ccy') }} as working_capital_delta_rep_ccy
    from working_capital
),

promise_measures as (
    select
        count(case when is_promise_changed then 1 end) as promise_changed_pairs,
        count(case when is_priority_changed then 1 end) as priority_changed_pairs
    from promises
),

measures as (
    select
        grain,
        'entities_moved' as measure,
        'entities' as measure_unit,
        cast(entities_moved as double) as measure_value
    from entity_measures
    union all
    select
        grain,
        'revenue_affected_rep_ccy' as measure,
        {{ sql_text_var('reporting_currency') }} as measure_unit,
        revenue_affected_rep_ccy as measure_value
    from entity_measures
    where grain in ('customer', 'product')
    union all
    select
        'item' as grain,
        'policy_changed_items' as measure,
        'items' as measure_unit,
        cast(policy_changed_items as double) as measure_value
    from item_measures
    union all
    select
        'item' as grain,
        'safety_stock_changed_items' as measure,
        'items' as measure_unit,
        cast(safety_stock_changed_items as double) as measure_value
    from item_measures
    union all
    select
        'item' as grain,
        'working_capital_delta_rep_ccy' as measure,
        {{ sql_text_var('reporting_currency') }} as measure_unit,
        coalesce(working_capital_delta_rep_ccy, 0) as measure_value
    from working_capital_measures
    union all
    select
        'customer_product' as grain,
        'promise_changed_pairs' as measure,
        'customer_products' as measure_unit,
        cast(promise_changed_pairs as double) as measure_value
    from promise_measures
    union all
    select
        'customer_product' as grain,
        'priority_changed_pairs' as measure,
        'customer_products' as measure_unit,
        cast(priority_changed_pairs as double) as measure_value
    from promise_measures
),

final as (
    select
        measures.grain,
        measures.measure,
        measures.measure_unit,
        measures.measure_value,
        comparison.published_run_id as current_published_run_id,
        comparison.candidate_run_id,
        {{ run_id() }} as run_id
    from measures
    cross join comparison
    where comparison.published_run_id is not null
)

select * from final
