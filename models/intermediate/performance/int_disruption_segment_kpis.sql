{#
    One row per disruption event, grain (customer, product), published
    segment, scope and window: the service KPIs of doc block kpi_definitions
    (on-time rate, OTIF rate, line fill rate) and the volume (lines, revenue)
    of the segment's lines due in the window, for the lines the event hit
    (scope affected) and, as a control, the segment's other lines (scope
    unaffected). Only segments with affected lines due during the event are
    kept. Doc block disruption_postmortems.
#}
with

windowed_lines as (
    select * from {{ ref('int_disruption_lines_windowed') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain in ('customer', 'product')
),

{% set line_grains = {'customer': 'segment_customer_id', 'product': 'product_id'} %}
segment_lines as (
    {%- for grain, entity_column in line_grains.items() %}
        select
            windowed_lines.event_id,
            assignments.grain,
            assignments.final_segment_code as segment_code,
            case when windowed_lines.is_affected then 'affected' else 'unaffected' end as scope,
            windowed_lines.window_name,
            count(*) as line_count,
            count(case when windowed_lines.is_delivered then 1 end) as delivered_line_count,
            count(windowed_lines.is_on_time) as on_time_base_line_count,
            count(case when windowed_lines.is_on_time then 1 end) as on_time_line_count,
            count(case when windowed_lines.is_on_time_in_full then 1 end) as on_time_in_full_line_count,
            count(case when windowed_lines.is_filled_first_time then 1 end) as filled_first_time_line_count,
            {{ exact_sum('windowed_lines.revenue_rep_ccy') }} as revenue_rep_ccy
        from windowed_lines
        inner join assignments
            on assignments.grain = '{{ grain }}'
                and windowed_lines.{{ entity_column }} = assignments.entity_id
        group by 1, 2, 3, 4, 5
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

hit_segments as (
    select distinct
        event_id,
        grain,
        segment_code
    from segment_lines
    where scope = 'affected'
        and window_name = 'during'
),

scopes as (
    select 'affected' as scope
    union all
    select 'unaffected' as scope
),

windows as (
    select
        'before' as window_name,
        1 as window_order
    union all
    select
        'during' as window_name,
        2 as window_order
    union all
    select
        'after' as window_name,
        3 as window_order
),

grid as (
    -- Every window of every hit segment and scope, so an empty window shows as 0 lines.
    select
        hit_segments.event_id,
        hit_segments.grain,
        hit_segments.segment_code,
        scopes.scope,
        windows.window_name,
        windows.window_order
    from hit_segments
    cross join scopes
    cross join windows
),

final as (
    select
        grid.event_id,
        grid.grain,
        grid.segment_code,
        grid.scope,
        grid.window_name,
        grid.window_order,
        coalesce(segment_lines.line_count, 0) as line_count,
        coalesce(segment_lines.delivered_line_count, 0) as delivered_line_count,
        coalesce(segment_lines.on_time_base_line_count, 0) as on_time_base_line_count,
        coalesce(segment_lines.on_time_line_count, 0) as on_time_line_count,
        coalesce(segment_lines.on_time_in_full_line_count, 0) as on_time_in_full_line_count,
        coalesce(segment_lines.filled_first_time_line_count, 0) as filled_first_time_line_count,
        coalesce(segment_lines.revenue_rep_ccy, 0) as revenue_rep_ccy,
        segment_lines.on_time_line_count * 1.0 / nullif(segment_lines.on_time_base_line_count, 0) as on_time_rate,
        segment_lines.on_time_in_full_line_count * 1.0 / nullif(segment_lines.on_time_base_line_count, 0)
            as otif_rate,
        segment_lines.filled_first_time_line_count * 1.0 / nullif(segment_lines.delivered_line_count, 0)
            as line_fill_rate
    from grid
    left join segment_lines
        on grid.event_id = segment_lines.event_id
            and grid.grain = segment_lines.grain
            and grid.segment_code = segment_lines.segment_code
            and grid.scope = segment_lines.scope
            and grid.window_name = segment_lines.window_name
)

select * from final
