{#
    One row per grain (customer, product), published segment, KPI period and
    KPI with a non-empty denominator: numerator, denominator, value =
    numerator / denominator, the target that applies (int_kpi_targets_matched),
    attainment and the gap to target, signed so that a negative gap is a miss
    (doc blocks kpi_definitions and kpi_attainment). Order fill rate is counted
    on orders here (an order counts once per segment it has lines in); all
    other KPIs add up int_kpi_entity_measures.
#}
with

entity_measures as (
    select * from {{ ref('int_kpi_entity_measures') }}
),

sales_lines as (
    select * from {{ ref('int_order_lines_fulfilment_measured') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain in ('customer', 'product')
),

targets as (
    select * from {{ ref('int_kpi_targets_matched') }}
),

segment_periods as (
    select
        grain,
        segment_code,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        sum(delivered_line_count) as delivered_line_count,
        sum(on_time_base_line_count) as on_time_base_line_count,
        sum(on_time_line_count) as on_time_line_count,
        sum(in_full_line_count) as in_full_line_count,
        sum(on_time_in_full_line_count) as on_time_in_full_line_count,
        sum(filled_first_time_line_count) as filled_first_time_line_count,
        {{ exact_sum('cost_to_serve_rep_ccy') }} as cost_to_serve_rep_ccy,
        {{ exact_sum('cost_to_serve_revenue_rep_ccy') }} as cost_to_serve_revenue_rep_ccy,
        {{ exact_sum('margin_after_cost_to_serve_rep_ccy') }} as margin_after_cost_to_serve_rep_ccy,
        {{ exact_sum('margin_revenue_rep_ccy') }} as margin_revenue_rep_ccy,
        {{ exact_sum('average_inventory_value_rep_ccy') }} as average_inventory_value_rep_ccy,
        {{ exact_sum('cost_of_goods_sold_rep_ccy') }} as cost_of_goods_sold_rep_ccy,
        {{ exact_sum('actual_quantity') }} as actual_quantity,
        {{ exact_sum('forecast_error_quantity') }} as forecast_error_quantity,
        {{ exact_sum('absolute_forecast_error_quantity') }} as absolute_forecast_error_quantity,
        {{ exact_sum('working_capital_on_hand_value_rep_ccy') }} as working_capital_on_hand_value_rep_ccy,
        {{ exact_sum('working_capital_excess_value_rep_ccy') }} as working_capital_excess_value_rep_ccy
    from entity_measures
    group by 1, 2, 3, 4, 5, 6, 7
),

{% set line_grains = {'customer': 'segment_customer_id', 'product': 'product_id'} %}
order_segments as (
    {%- for grain, entity_column in line_grains.items() %}
        select
            assignments.grain,
            assignments.final_segment_code as segment_code,
            sales_lines.fiscal_period_key,
            sales_lines.business_unit_id,
            sales_lines.order_id,
            bool_and(sales_lines.is_in_full) as is_order_filled
        from sales_lines
        inner join assignments
            on assignments.grain = '{{ grain }}'
                and sales_lines.{{ entity_column }} = assignments.entity_id
        where sales_lines.is_delivered
        group by 1, 2, 3, 4, 5
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

order_fill as (
    select
        grain,
        segment_code,
        fiscal_period_key,
        count(*) as delivered_order_count,
        count(case when is_order_filled then 1 end) as filled_order_count
    from order_segments
    group by 1, 2, 3
),

{% set kpis = [] %}
{% for kpi_name, ratio in kpi_line_ratios().items() %}
    {% do kpis.append((kpi_name, ratio[0], ratio[1])) %}
{% endfor %}
{% do kpis.extend([
    ('order_fill_rate', 'order_fill.filled_order_count', 'order_fill.delivered_order_count'),
    ('inventory_turns', 'cost_of_goods_sold_rep_ccy * 365.0 / days_in_period', 'average_inventory_value_rep_ccy'),
    ('days_of_supply', 'average_inventory_value_rep_ccy', 'cost_of_goods_sold_rep_ccy / days_in_period'),
    ('forecast_wape', 'absolute_forecast_error_quantity', 'actual_quantity'),
    ('forecast_bias', 'forecast_error_quantity', 'actual_quantity'),
    ('cost_to_serve_share', 'cost_to_serve_rep_ccy', 'cost_to_serve_revenue_rep_ccy'),
    ('margin_after_cost_to_serve_share', 'margin_after_cost_to_serve_rep_ccy', 'margin_revenue_rep_ccy'),
    ('working_capital_excess_share', 'working_capital_excess_value_rep_ccy',
        'working_capital_on_hand_value_rep_ccy'),
]) %}
kpi_rows as (
    {%- for kpi_name, numerator, denominator in kpis %}
        select
            segment_periods.grain,
            segment_periods.segment_code,
            segment_periods.calendar_id,
            segment_periods.fiscal_period_key,
            segment_periods.period_start_date,
            segment_periods.period_end_date,
            '{{ kpi_name }}' as kpi_name,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator
        from segment_periods
        left join order_fill
            on segment_periods.grain = order_fill.grain
                and segment_periods.segment_code = order_fill.segment_code
                and segment_periods.fiscal_period_key = order_fill.fiscal_period_key
        where {{ denominator }} > 0
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

valued as (
    select
        kpi_rows.grain,
        kpi_rows.segment_code,
        kpi_rows.calendar_id,
        kpi_rows.fiscal_period_key,
        kpi_rows.period_start_date,
        kpi_rows.period_end_date,
        kpi_rows.kpi_name,
        kpi_rows.numerator,
        kpi_rows.denominator,
        targets.kpi_family,
        targets.better_direction,
        targets.target_value,
        targets.target_source,
        targets.root_cause_measure,
        kpi_rows.numerator / kpi_rows.denominator as kpi_value
    from kpi_rows
    inner join targets
        on kpi_rows.segment_code = targets.segment_code
            and kpi_rows.kpi_name = targets.kpi_name
    where '|' || targets.applies_to_grains || '|' like '%|' || kpi_rows.grain || '|%'
),

gapped as (
    select
        *,
        case better_direction
            when 'higher' then kpi_value - target_value
            when 'lower' then target_value - kpi_value
            when 'closer_to_zero' then target_value - abs(kpi_value)
        end as gap_to_target,
        case better_direction
            when 'higher' then kpi_value / nullif(target_value, 0)
            when 'lower' then target_value / nullif(kpi_value, 0)
            when 'closer_to_zero' then target_value / nullif(abs(kpi_value), 0)
        end as attainment
    from valued
),

final as (
    select
        grain,
        segment_code,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        kpi_name,
        kpi_family,
        better_direction,
        numerator,
        denominator,
        kpi_value,
        target_value,
        target_source,
        root_cause_measure,
        attainment,
        gap_to_target,
        case when gap_to_target is not null then {{ comparable('gap_to_target') }} >= 0 end as is_target_met
    from gapped
)

select * from final
