{#
    One row per grain (customer, product), entity, its published segment and
    KPI period: the counts and sums every KPI is a ratio of (doc block
    kpi_definitions), read from the measured order lines, inventory positions
    (product grain) and forecast errors (product grain). Segment KPIs
    (int_segment_kpis_assessed) add these up; root causes
    (int_kpi_root_cause_contributions) rank the entities by them.
#}
{%- set count_columns = [
    'sales_line_count', 'delivered_line_count', 'on_time_base_line_count', 'on_time_line_count',
    'in_full_line_count', 'on_time_in_full_line_count', 'filled_first_time_line_count'
] -%}
{%- set line_amount_columns = [
    'revenue_rep_ccy', 'cost_to_serve_revenue_rep_ccy', 'cost_to_serve_rep_ccy', 'freight_cost_rep_ccy',
    'handling_cost_rep_ccy', 'order_processing_cost_rep_ccy', 'margin_revenue_rep_ccy',
    'margin_after_cost_to_serve_rep_ccy'
] -%}
{%- set inventory_columns = ['average_inventory_value_rep_ccy', 'cost_of_goods_sold_rep_ccy'] -%}
{%- set forecast_columns = [
    'forecast_quantity', 'actual_quantity', 'forecast_error_quantity', 'absolute_forecast_error_quantity'
] -%}
{%- set working_capital_columns = [
    'working_capital_on_hand_value_rep_ccy', 'working_capital_policy_value_rep_ccy',
    'working_capital_excess_value_rep_ccy'
] -%}
{%- set amount_columns = line_amount_columns + inventory_columns + forecast_columns + working_capital_columns -%}
with

line_measures as (
    select * from {{ ref('int_order_lines_by_entity_period') }}
),

inventory_positions as (
    select * from {{ ref('int_inventory_positions_measured') }}
),

forecast_errors as (
    select * from {{ ref('int_forecast_errors_measured') }}
),

working_capital as (
    select * from {{ ref('int_working_capital_by_product_period') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain in ('customer', 'product')
),

inventory_by_product as (
    select
        'product' as grain,
        product_id as entity_id,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        {%- for column in count_columns %}
            cast(null as bigint) as {{ column }},
        {%- endfor %}
        {%- for column in line_amount_columns %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        case
            when cost_of_goods_sold_rep_ccy is not null then average_inventory_value_rep_ccy
        end as average_inventory_value_rep_ccy,
        cost_of_goods_sold_rep_ccy,
        cast(null as double) as forecast_quantity,
        cast(null as double) as actual_quantity,
        cast(null as double) as forecast_error_quantity,
        cast(null as double) as absolute_forecast_error_quantity,
        {%- for column in working_capital_columns[:-1] %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        cast(null as double) as working_capital_excess_value_rep_ccy
    from inventory_positions
),

forecasts_by_product as (
    select
        'product' as grain,
        product_id as entity_id,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        {%- for column in count_columns %}
            cast(null as bigint) as {{ column }},
        {%- endfor %}
        {%- for column in line_amount_columns + inventory_columns %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        {{ exact_sum('forecast_quantity') }} as forecast_quantity,
        {{ exact_sum('actual_quantity') }} as actual_quantity,
        {{ exact_sum('forecast_error_quantity') }} as forecast_error_quantity,
        {{ exact_sum('absolute_forecast_error_quantity') }} as absolute_forecast_error_quantity,
        {%- for column in working_capital_columns[:-1] %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        cast(null as double) as working_capital_excess_value_rep_ccy
    from forecast_errors
    group by 1, 2, 3, 4, 5, 6, 7
),

working_capital_by_product as (
    select
        'product' as grain,
        product_id as entity_id,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        {%- for column in count_columns %}
            cast(null as bigint) as {{ column }},
        {%- endfor %}
        {%- for column in line_amount_columns + inventory_columns + forecast_columns %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        on_hand_value_rep_ccy as working_capital_on_hand_value_rep_ccy,
        policy_stock_value_rep_ccy as working_capital_policy_value_rep_ccy,
        excess_value_rep_ccy as working_capital_excess_value_rep_ccy
    from working_capital
),

unioned as (
    select
        *,
        {%- for column in working_capital_columns[:-1] %}
            cast(null as double) as {{ column }},
        {%- endfor %}
        cast(null as double) as working_capital_excess_value_rep_ccy
    from line_measures
    union all
    select * from working_capital_by_product
    union all
    select * from inventory_by_product
    union all
    select * from forecasts_by_product
),

entity_periods as (
    select
        grain,
        entity_id,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        {%- for column in count_columns %}
            coalesce(sum({{ column }}), 0) as {{ column }},
        {%- endfor %}
        {%- for column in amount_columns[:-1] %}
            {{ exact_sum(column) }} as {{ column }},
        {%- endfor %}
        {{ exact_sum('working_capital_excess_value_rep_ccy') }} as working_capital_excess_value_rep_ccy
    from unioned
    group by 1, 2, 3, 4, 5, 6, 7
),

final as (
    select
        entity_periods.grain,
        entity_periods.entity_id,
        assignments.final_segment_code as segment_code,
        assignments.demand_pattern,
        entity_periods.calendar_id,
        entity_periods.fiscal_period_key,
        entity_periods.period_start_date,
        entity_periods.period_end_date,
        entity_periods.days_in_period,
        {%- for column in count_columns + amount_columns[:-1] %}
            entity_periods.{{ column }},
        {%- endfor %}
        entity_periods.working_capital_excess_value_rep_ccy
    from entity_periods
    inner join assignments
        on entity_periods.grain = assignments.grain
            and entity_periods.entity_id = assignments.entity_id
)

select * from final
