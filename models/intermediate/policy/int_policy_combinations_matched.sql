{#
    The policy of every segment combination that occurs in this load: one
    row per product segment (final segment of the product grain) x customer
    service tier (final tier of the customer grain) met on the order lines of
    the analysis window, with the columns of the policy_matrix row that
    matches it. The most specific row wins: exact segment and exact tier,
    then exact segment and '*', then '*' and exact tier, then '*' and '*'
    (doc block policy_matching). matched_policy_count counts the rows of the
    winning specificity: 0 = no policy, 2 or more = ambiguous; the data test
    on it fails the build unless it is 1 everywhere. Ties keep the lowest
    policy_id so the row is still deterministic when the test is warned.
#}
with

lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

policies as (
    select * from {{ ref('policy_matrix') }}
),

window_bounds as (
    select
        min(period_start_date) as window_start_date,
        max(period_end_date) as window_end_date
    from periods
),

product_segments as (
    select
        entity_id as product_id,
        final_segment_code
    from assignments
    where grain = 'product'
),

customer_tiers as (
    select
        entity_id as segment_customer_id,
        final_service_tier
    from assignments
    where grain = 'customer'
),

combinations as (
    select distinct
        product_segments.final_segment_code as product_segment_code,
        customer_tiers.final_service_tier as customer_service_tier
    from lines
    cross join window_bounds
    inner join product_segments
        on lines.product_id = product_segments.product_id
    inner join customer_tiers
        on lines.segment_customer_id = customer_tiers.segment_customer_id
    where lines.order_date between window_bounds.window_start_date and window_bounds.window_end_date
),

most_specific as (
    {{ most_specific_policy(['product_segment_code', 'customer_service_tier']) }}
),

final as (
    select
        combinations.product_segment_code,
        combinations.customer_service_tier,
        policies.policy_id,
        policies.target_cycle_service_level,
        policies.target_fill_rate,
        policies.inventory_positioning,
        policies.stocking_strategy,
        policies.review_period_days,
        policies.atp_lead_time_days,
        policies.pick_priority,
        policies.transport_priority,
        policies.moq_rule,
        policies.moq_periods_of_demand,
        policies.fulfilment_batch_size,
        policies.cost_to_serve_pricing_tier,
        policies.policy_version,
        most_specific.match_level,
        coalesce(most_specific.matched_policy_count, 0) as matched_policy_count
    from combinations
    left join most_specific
        on combinations.product_segment_code = most_specific.product_segment_code
            and combinations.customer_service_tier = most_specific.customer_service_tier
    left join policies
        on most_specific.policy_id = policies.policy_id
)

select * from final
