{#
    Value and demand per segmentation grain, entity and demand period of the
    analysis window (periods without sales are absent here; see
    int_demand_by_period_filled). Lines count in value and in variability
    measures as counts_in_measure() says; returns and outliers are also
    reported apart so nothing disappears.
#}
with

lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

lines_in_window as (
    select
        lines.*,
        periods.window_period_number,
        periods.period_key,
        periods.window_period_count
    from lines
    inner join periods
        on lines.order_date between periods.period_start_date and periods.period_end_date
),

{% for grain in segmentation_grains() %}
    by_{{ grain }} as (
        select
            '{{ grain }}' as grain,
            {{ segment_entity_id(grain) }} as entity_id,
            window_period_number,
            period_key,
            window_period_count,
            {{ exact_sum('case when counts_in_value then revenue_rep_ccy else 0 end') }} as revenue_rep_ccy,
            {{ exact_sum('case when counts_in_value then gross_margin_rep_ccy else 0 end') }} as gross_margin_rep_ccy,
            {{ exact_sum('case when counts_in_value then quantity else 0 end') }} as volume_quantity,
            count(case when counts_in_value then 1 end) as order_line_count,
            count(case when counts_in_value and gross_margin_rep_ccy is null then 1 end) as lines_without_cost_count,
            {{ exact_sum('case when counts_in_variability then quantity else 0 end') }} as demand_quantity,
            {{ exact_sum('case when is_return then -quantity else 0 end') }} as returned_quantity,
            {{ exact_sum('case when is_return then -revenue_rep_ccy else 0 end') }} as returned_revenue_rep_ccy,
            count(case when is_outlier then 1 end) as outlier_line_count
        from lines_in_window
        group by 1, 2, 3, 4, 5
    ),

{% endfor %}
unioned as (
    {%- for grain in segmentation_grains() %}
        select * from by_{{ grain }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
