{#
    One row per grain (customer, product), entity and KPI period: the counts
    and sums of the measured sales lines that the service and cost KPIs are
    ratios of (doc block kpi_definitions).
#}
with

sales_lines as (
    select * from {{ ref('int_order_lines_fulfilment_measured') }}
),

{% set line_grains = {'customer': 'segment_customer_id', 'product': 'product_id'} %}
{% for grain, entity_column in line_grains.items() %}
    lines_by_{{ grain }} as (
        select
            '{{ grain }}' as grain,
            {{ entity_column }} as entity_id,
            calendar_id,
            fiscal_period_key,
            period_start_date,
            period_end_date,
            days_in_period,
            count(*) as sales_line_count,
            count(case when is_delivered then 1 end) as delivered_line_count,
            count(is_on_time) as on_time_base_line_count,
            count(case when is_on_time then 1 end) as on_time_line_count,
            count(case when is_in_full then 1 end) as in_full_line_count,
            count(case when is_on_time_in_full then 1 end) as on_time_in_full_line_count,
            count(case when is_filled_first_time then 1 end) as filled_first_time_line_count,
            {{ exact_sum('revenue_rep_ccy') }} as revenue_rep_ccy,
            {{ exact_sum('case when cost_to_serve_rep_ccy is not null then revenue_rep_ccy end') }}
                as cost_to_serve_revenue_rep_ccy,
            {{ exact_sum('cost_to_serve_rep_ccy') }} as cost_to_serve_rep_ccy,
            {{ exact_sum('case when cost_to_serve_rep_ccy is not null then freight_cost_rep_ccy end') }}
                as freight_cost_rep_ccy,
            {{ exact_sum('case when cost_to_serve_rep_ccy is not null then handling_cost_rep_ccy end') }}
                as handling_cost_rep_ccy,
            {{ exact_sum('case when cost_to_serve_rep_ccy is not null then order_processing_cost_rep_ccy end') }}
                as order_processing_cost_rep_ccy,
            {{ exact_sum('case when margin_after_cost_to_serve_rep_ccy is not null then revenue_rep_ccy end') }}
                as margin_revenue_rep_ccy,
            {{ exact_sum('margin_after_cost_to_serve_rep_ccy') }} as margin_after_cost_to_serve_rep_ccy,
            cast(null as double) as average_inventory_value_rep_ccy,
            cast(null as double) as cost_of_goods_sold_rep_ccy,
            cast(null as double) as forecast_quantity,
            cast(null as double) as actual_quantity,
            cast(null as double) as forecast_error_quantity,
            cast(null as double) as absolute_forecast_error_quantity
        from sales_lines
        group by 1, 2, 3, 4, 5, 6, 7
    ),

{% endfor %}

unioned as (
    {%- for grain in line_grains %}
        select * from lines_by_{{ grain }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
