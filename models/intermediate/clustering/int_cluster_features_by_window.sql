{#
    Clustering features per rolling window (doc block cluster_window_features):
    windows of var cluster_stability_window_months months moved by var
    cluster_stability_step_months, the last one ending with the analysis
    window, as many as fit into it (1 = oldest). A demand period belongs to
    a window when it starts inside it. Built from the per-period rows of
    int_demand_by_period (no new scan of the order lines), so only the
    features that per-period sums give are filled: revenue, gross margin,
    margin %, return rate, ADI (window periods / periods with demand), CV²
    of non-zero period demand, recency and tenure. Features that need the
    order lines (orders, order values, lead times, deliveries, ship-tos,
    plants) are null in every row; the stability model drops them.
#}
{%- set window_months = validated_var('cluster_stability_window_months') -%}
{%- set step_months = validated_var('cluster_stability_step_months') -%}
{#- The number of windows is computed here from three validated integers. -#}
{%- set analysis_months = validated_var('analysis_window_months') -%}
{%- set window_count = [1, ((analysis_months - window_months) // step_months) + 1] | max -%}

with

demand as (
    select * from {{ ref('int_demand_by_period') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

clustered_grains as (
    {%- for grain in cluster_grains() %}
        select '{{ grain }}' as grain
        union all
    {%- endfor %}
    select cast(null as {{ dbt.type_string() }}) as grain
    where false
),

window_numbers as (
    {{ calendar_integer_series('window_number', 1, window_count) }}
),

analysis_end as (
    select max(period_end_date) as analysis_end_date
    from periods
),

windows as (
    select
        window_numbers.window_number,
        {%- set months_back = '-' ~ sql_number_var('cluster_stability_step_months')
            ~ ' * (' ~ window_count ~ ' - window_numbers.window_number)' %}
        cast({{ dbt.dateadd('month', months_back, 'cast(analysis_end.analysis_end_date + 1 as date)') }} as date)
            as window_end_exclusive_date
    from window_numbers
    cross join analysis_end
),

window_bounds as (
    select
        window_number,
        {%- set months_back = '-' ~ sql_number_var('cluster_stability_window_months') %}
        cast({{ dbt.dateadd('month', months_back, 'window_end_exclusive_date') }} as date) as window_start_date,
        cast(window_end_exclusive_date - 1 as date) as window_end_date
    from windows
),

window_periods as (
    select
        window_bounds.window_number,
        window_bounds.window_start_date,
        window_bounds.window_end_date,
        periods.window_period_number,
        periods.period_start_date,
        periods.period_end_date,
        count(*) over (partition by window_bounds.window_number) as periods_in_window
    from window_bounds
    inner join periods
        on periods.period_start_date between window_bounds.window_start_date and window_bounds.window_end_date
),

entity_periods as (
    select
        demand.grain,
        demand.entity_id,
        window_periods.window_number,
        window_periods.window_start_date,
        window_periods.window_end_date,
        window_periods.periods_in_window,
        window_periods.period_start_date,
        window_periods.period_end_date,
        demand.revenue_rep_ccy,
        demand.gross_margin_rep_ccy,
        demand.order_line_count,
        demand.lines_without_cost_count,
        demand.returned_revenue_rep_ccy,
        case when demand.demand_quantity > 0 then demand.demand_quantity end as nonzero_demand_quantity
    from demand
    inner join window_periods
        on demand.window_period_number = window_periods.window_period_number
    inner join clustered_grains
        on demand.grain = clustered_grains.grain
),

aggregated as (
    select
        grain,
        entity_id,
        window_number,
        window_start_date,
        window_end_date,
        max(periods_in_window) as periods_in_window,
        sum(order_line_count) as order_line_count,
        sum(lines_without_cost_count) as lines_without_cost_count,
        count(nonzero_demand_quantity) as demand_period_count,
        min(case when order_line_count > 0 then period_start_date end) as first_active_date,
        max(case when order_line_count > 0 then period_end_date end) as last_active_date,
        {{ exact_sum('revenue_rep_ccy') }} as revenue_rep_ccy,
        {{ exact_sum('gross_margin_rep_ccy') }} as gross_margin_rep_ccy,
        {{ exact_sum('returned_revenue_rep_ccy') }} as returned_revenue_rep_ccy,
        {{ exact_sum('nonzero_demand_quantity') }} as nonzero_demand_sum,
        {{ exact_sum('nonzero_demand_quantity * nonzero_demand_quantity') }} as nonzero_demand_sum_of_squares
    from entity_periods
    group by grain, entity_id, window_number, window_start_date, window_end_date
),

final as (
    select
        grain,
        window_number,
        window_start_date,
        window_end_date,
        entity_id,
        order_line_count <= {{ sql_number_var('cluster_dormant_max_order_lines') }} as is_dormant,
        cast(null as double) as order_frequency,
        cast(null as double) as mean_order_value_rep_ccy,
        cast(null as double) as order_value_cv,
        cast(periods_in_window as double) / nullif(demand_period_count, 0) as adi,
        greatest(
            nonzero_demand_sum_of_squares / nullif(demand_period_count, 0)
            - power(nonzero_demand_sum / nullif(demand_period_count, 0), 2),
            0
        ) / nullif(power(nonzero_demand_sum / nullif(demand_period_count, 0), 2), 0) as cv_squared,
        revenue_rep_ccy,
        case when lines_without_cost_count = 0 then gross_margin_rep_ccy end as gross_margin_rep_ccy,
        cast(null as double) as revenue_decayed_rep_ccy,
        cast(null as double) as gross_margin_decayed_rep_ccy,
        case when lines_without_cost_count = 0 then gross_margin_rep_ccy / nullif(revenue_rep_ccy, 0) end
            as margin_pct,
        cast(null as double) as short_lead_time_share,
        returned_revenue_rep_ccy / nullif(revenue_rep_ccy + returned_revenue_rep_ccy, 0) as return_rate,
        cast(null as double) as late_or_short_delivery_share,
        cast({{ dbt.datediff('last_active_date', 'window_end_date', 'day') }} as double) as recency_days,
        cast({{ dbt.datediff('first_active_date', 'window_end_date', 'day') }} as double) as tenure_days,
        cast(null as double) as ship_to_count,
        cast(null as double) as plant_count
    from aggregated
)

select * from final
