{#
    For every sustained miss (int_kpi_misses_sustained): the entities of the
    segment ranked by their share of what made the KPI miss over the missed
    periods - late lines, short lines, lines not on time in full, lines not
    filled by the first delivery, absolute forecast error, cost to serve above
    the segment's cost-to-serve target, or stock above its days-of-supply
    target - keeping the top var kpi_root_cause_top_entities. Doc block
    kpi_root_causes.
#}
with

sustained_misses as (
    select * from {{ ref('int_kpi_misses_sustained') }}
),

entity_measures as (
    select * from {{ ref('int_kpi_entity_measures') }}
),

targets as (
    select * from {{ ref('int_kpi_targets_matched') }}
),

entity_contributions as (
    select
        entity_measures.grain,
        entity_measures.segment_code,
        entity_measures.entity_id,
        entity_measures.fiscal_period_key,
        entity_measures.period_start_date,
        entity_measures.absolute_forecast_error_quantity as absolute_forecast_error,
        entity_measures.working_capital_excess_value_rep_ccy as excess_working_capital,
        entity_measures.on_time_base_line_count - entity_measures.on_time_line_count as late_lines,
        entity_measures.delivered_line_count - entity_measures.in_full_line_count as short_lines,
        entity_measures.on_time_base_line_count - entity_measures.on_time_in_full_line_count as not_otif_lines,
        entity_measures.delivered_line_count - entity_measures.filled_first_time_line_count
            as lines_not_filled_first_time,
        greatest(
            entity_measures.cost_to_serve_rep_ccy
            - cost_targets.target_value * entity_measures.cost_to_serve_revenue_rep_ccy,
            0
        ) as excess_cost_to_serve,
        greatest(
            entity_measures.average_inventory_value_rep_ccy
            - supply_targets.target_value * entity_measures.cost_of_goods_sold_rep_ccy
            / entity_measures.days_in_period,
            0
        ) as excess_inventory_value
    from entity_measures
    left join targets as cost_targets
        on entity_measures.segment_code = cost_targets.segment_code
            and cost_targets.kpi_name = 'cost_to_serve_share'
    left join targets as supply_targets
        on entity_measures.segment_code = supply_targets.segment_code
            and supply_targets.kpi_name = 'days_of_supply'
),

{% set measures = [
    'late_lines', 'short_lines', 'not_otif_lines', 'lines_not_filled_first_time',
    'absolute_forecast_error', 'excess_cost_to_serve', 'excess_inventory_value', 'excess_working_capital'
] %}
contributions_long as (
    {%- for measure in measures %}
        select
            grain,
            segment_code,
            entity_id,
            period_start_date,
            '{{ measure }}' as root_cause_measure,
            cast({{ measure }} as double) as contribution_value
        from entity_contributions
        where {{ measure }} > 0
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

entity_totals as (
    select
        sustained_misses.grain,
        sustained_misses.segment_code,
        sustained_misses.kpi_name,
        sustained_misses.root_cause_measure,
        sustained_misses.miss_start_date,
        sustained_misses.miss_end_date,
        sustained_misses.missed_period_count,
        sustained_misses.mean_gap_to_target,
        contributions_long.entity_id,
        {{ exact_sum('contributions_long.contribution_value') }} as contribution_value
    from sustained_misses
    inner join contributions_long
        on sustained_misses.grain = contributions_long.grain
            and sustained_misses.segment_code = contributions_long.segment_code
            and sustained_misses.root_cause_measure = contributions_long.root_cause_measure
            and contributions_long.period_start_date
            between sustained_misses.miss_start_date and sustained_misses.miss_end_date
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9
),

ranked as (
    select
        *,
        {{ exact_sum('contribution_value', over='partition by grain, segment_code, kpi_name, miss_start_date') }}
            as miss_total_value,
        row_number() over (
            partition by grain, segment_code, kpi_name, miss_start_date
            order by {{ comparable('contribution_value') }} desc, entity_id
        ) as contribution_rank
    from entity_totals
),

final as (
    select
        grain,
        segment_code,
        kpi_name,
        miss_start_date,
        miss_end_date,
        missed_period_count,
        mean_gap_to_target,
        root_cause_measure,
        contribution_rank,
        entity_id,
        contribution_value,
        miss_total_value,
        contribution_value / miss_total_value as contribution_share
    from ranked
    where contribution_rank <= {{ sql_number_var('kpi_root_cause_top_entities') }}
)

select * from final
