{#
    Everything the parameters of an item (product x plant with sales in the
    analysis window) are computed from, one row per item: its policy, demand
    and lead-time statistics in periods, the moments of demand over the lead
    time and over lead time plus review period, the safety-stock method chosen
    by the documented rule (doc block policy_safety_stock), the pack size and
    the unit value. The item's policy is that of (its product's final segment,
    the customer tier with the largest share of its sales quantity in the
    window, ties to the better tier) in int_policy_combinations_matched (doc
    block policy_matching).
#}
{%- set tolerance = sql_number_var('poisson_dispersion_tolerance') -%}
{%- set min_windows = sql_number_var('empirical_quantile_min_windows') -%}
{%- set prefer_empirical = 'true' if validated_var('intermittent_safety_stock_method') == 'empirical_quantile'
    else 'false' -%}
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
    select * from {{ ref('int_policy_combinations_matched') }}
),

demand_estimates as (
    select * from {{ ref('int_item_demand_estimated') }}
),

lead_times as (
    select * from {{ ref('int_item_lead_times') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

pack_sizes as (
    select * from {{ ref('pack_sizes') }}
),

window_bounds as (
    select
        min(period_start_date) as window_start_date,
        max(period_end_date) as window_end_date,
        cast(sum(days_in_period) as double) / count(*) as demand_period_days
    from periods
),

product_segments as (
    select
        entity_id as product_id,
        final_segment_code,
        demand_pattern,
        lifecycle_status
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

sales_lines as (
    select
        lines.product_id,
        lines.plant_id,
        lines.segment_customer_id,
        lines.quantity,
        lines.revenue_rep_ccy,
        lines.cost_rep_ccy
    from lines
    cross join window_bounds
    where lines.order_date between window_bounds.window_start_date and window_bounds.window_end_date
        and not lines.is_return
),

item_tier_quantities as (
    select
        sales_lines.product_id,
        sales_lines.plant_id,
        customer_tiers.final_service_tier,
        {{ exact_sum('sales_lines.quantity') }} as sales_quantity
    from sales_lines
    inner join customer_tiers
        on sales_lines.segment_customer_id = customer_tiers.segment_customer_id
    group by sales_lines.product_id, sales_lines.plant_id, customer_tiers.final_service_tier
),

item_tiers as (
    select
        product_id,
        plant_id,
        final_service_tier as customer_service_tier
    from item_tier_quantities
    qualify row_number() over (
            partition by product_id, plant_id order by sales_quantity desc, final_service_tier asc
        ) = 1
),

item_values as (
    select
        product_id,
        plant_id,
        {{ exact_sum('case when cost_rep_ccy is not null then cost_rep_ccy end') }}
        / nullif({{ exact_sum('case when cost_rep_ccy is not null then quantity end') }}, 0) as unit_cost_rep_ccy,
        {{ exact_sum('revenue_rep_ccy') }} / nullif({{ exact_sum('quantity') }}, 0) as unit_price_rep_ccy
    from sales_lines
    group by product_id, plant_id
),

product_packs as (
    select
        products.product_id,
        pack_sizes.pack_size_quantity
    from products
    inner join pack_sizes
        on (products.product_family = pack_sizes.product_family or pack_sizes.product_family = '*')
            and (products.unit_of_measure = pack_sizes.unit_of_measure or pack_sizes.unit_of_measure = '*')
    qualify row_number() over (
            partition by products.product_id
            order by
                cast(pack_sizes.product_family <> '*' as integer) desc,
                cast(pack_sizes.unit_of_measure <> '*' as integer) desc
        ) = 1
),

joined as (
    select
        demand_estimates.product_id,
        demand_estimates.plant_id,
        product_segments.final_segment_code,
        product_segments.demand_pattern,
        product_segments.lifecycle_status,
        item_tiers.customer_service_tier,
        policies.policy_id,
        policies.policy_version,
        policies.target_cycle_service_level,
        policies.stocking_strategy,
        policies.review_period_days,
        policies.moq_rule,
        policies.moq_periods_of_demand,
        window_bounds.demand_period_days,
        demand_estimates.history_period_count,
        demand_estimates.estimate_period_count,
        demand_estimates.stockout_period_count,
        demand_estimates.demand_estimate_method,
        demand_estimates.naive_demand_per_period_mean,
        demand_estimates.naive_demand_per_period_std,
        lead_times.lead_time_source,
        lead_times.lead_time_observation_count,
        lead_times.lead_time_days_mean,
        lead_times.lead_time_days_std,
        item_values.unit_cost_rep_ccy,
        item_values.unit_price_rep_ccy,
        coalesce(demand_estimates.demand_per_period_mean, 0) as demand_per_period_mean,
        coalesce(demand_estimates.demand_per_period_std, 0) as demand_per_period_std,
        coalesce(product_packs.pack_size_quantity, 1) as pack_size_quantity,
        lead_times.lead_time_days_mean / window_bounds.demand_period_days as lead_time_periods,
        lead_times.lead_time_days_std / window_bounds.demand_period_days as lead_time_std_periods,
        policies.review_period_days / window_bounds.demand_period_days as review_periods
    from demand_estimates
    cross join window_bounds
    inner join product_segments
        on demand_estimates.product_id = product_segments.product_id
    inner join item_tiers
        on demand_estimates.product_id = item_tiers.product_id
            and demand_estimates.plant_id = item_tiers.plant_id
    inner join policies
        on product_segments.final_segment_code = policies.product_segment_code
            and item_tiers.customer_service_tier = policies.customer_service_tier
    inner join lead_times
        on demand_estimates.product_id = lead_times.product_id
            and demand_estimates.plant_id = lead_times.plant_id
    left join item_values
        on demand_estimates.product_id = item_values.product_id
            and demand_estimates.plant_id = item_values.plant_id
    left join product_packs
        on demand_estimates.product_id = product_packs.product_id
),

moments as (
    select
        *,
        lead_time_periods + review_periods as lead_time_review_periods,
        demand_per_period_mean * lead_time_periods as lead_time_demand_mean,
        lead_time_periods * power(demand_per_period_std, 2)
        + power(demand_per_period_mean, 2) * power(lead_time_std_periods, 2) as lead_time_demand_variance,
        demand_per_period_mean * (lead_time_periods + review_periods) as lead_time_review_demand_mean,
        (lead_time_periods + review_periods) * power(demand_per_period_std, 2)
        + power(demand_per_period_mean, 2) * power(lead_time_std_periods, 2) as lead_time_review_demand_variance,
        estimate_period_count - greatest(ceil(round(lead_time_periods, 9)), 1) + 1 as history_window_count
    from joined
),

methods as (
    select
        *,
        lead_time_demand_variance / nullif(lead_time_demand_mean, 0) as lead_time_demand_dispersion
    from moments
),

final as (
    select
        *,
        case
            when stocking_strategy <> 'make_to_stock' or demand_per_period_mean <= 0 then 'no_stock'
            when demand_pattern = 'new' then 'provisional_new'
            when demand_pattern not in ('intermittent', 'lumpy') then 'normal'
            when {{ prefer_empirical }} and history_window_count >= {{ min_windows }} then 'empirical_quantile'
            when lead_time_demand_dispersion > 1 + {{ tolerance }} then 'negative_binomial'
            when lead_time_demand_dispersion >= 1 - {{ tolerance }} then 'poisson'
            when history_window_count >= {{ min_windows }} then 'empirical_quantile'
            else 'poisson'
        end as safety_stock_method
    from methods
)

select * from final
