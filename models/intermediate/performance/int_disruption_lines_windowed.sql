{#
    One row per disruption event, window (before, during, after) and measured
    sales line (int_order_lines_fulfilment_measured, so the KPI rules of doc
    block kpi_definitions apply unchanged) whose requested date falls in the
    window, flagged affected when the line ships from a plant of the event or
    its customer's sales region is a region of the event. Lines outside the
    KPI periods are not measured and so not here. Doc block
    disruption_postmortems.
#}
with

windows as (
    select * from {{ ref('int_disruption_windows') }}
),

sales_lines as (
    select * from {{ ref('int_order_lines_fulfilment_measured') }}
),

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

event_ranges as (
    select
        event_id,
        min(window_start_date) as range_start_date,
        max(window_end_date) as range_end_date
    from windows
    group by event_id
),

lines_in_range as (
    -- Each line is matched once per event whose three windows span its requested date.
    select
        event_ranges.event_id,
        sales_lines.business_unit_id,
        sales_lines.order_id,
        sales_lines.order_line_number,
        sales_lines.requested_date,
        sales_lines.segment_customer_id,
        sales_lines.product_id,
        sales_lines.plant_id,
        sales_lines.customer_key,
        sales_lines.revenue_rep_ccy,
        sales_lines.is_delivered,
        sales_lines.is_on_time,
        sales_lines.is_in_full,
        sales_lines.is_on_time_in_full,
        sales_lines.is_filled_first_time
    from sales_lines
    inner join event_ranges
        on sales_lines.requested_date between event_ranges.range_start_date and event_ranges.range_end_date
),

final as (
    select
        lines_in_range.event_id,
        windows.window_name,
        windows.window_order,
        lines_in_range.business_unit_id,
        lines_in_range.order_id,
        lines_in_range.order_line_number,
        lines_in_range.requested_date,
        lines_in_range.segment_customer_id,
        lines_in_range.product_id,
        lines_in_range.plant_id,
        customers.sales_region,
        lines_in_range.revenue_rep_ccy,
        lines_in_range.is_delivered,
        lines_in_range.is_on_time,
        lines_in_range.is_in_full,
        lines_in_range.is_on_time_in_full,
        lines_in_range.is_filled_first_time,
        coalesce(
            position('|' || lines_in_range.plant_id || '|' in '|' || windows.affected_plant_ids || '|') > 0, false
        )
        or coalesce(
            position('|' || customers.sales_region || '|' in '|' || windows.affected_regions || '|') > 0, false
        ) as is_affected
    from lines_in_range
    inner join windows
        on lines_in_range.event_id = windows.event_id
            and lines_in_range.requested_date between windows.window_start_date and windows.window_end_date
    left join customers
        on lines_in_range.customer_key = customers.customer_key
)

select * from final
