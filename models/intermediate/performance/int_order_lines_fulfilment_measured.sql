{#
    One row per usable sales order line (not a return) ordered in a KPI period
    (int_kpi_periods): its deliveries summed (delivered quantity, first and
    last delivery, freight), whether it was delivered on time, in full and
    filled by its first delivery, and its cost to serve: freight from the
    deliveries plus handling and order processing allocated by the driver
    rates of seed cost_to_serve_drivers. Rules: doc blocks kpi_service_level
    and kpi_cost_to_serve. Deliveries are grouped per line once, so the model
    is linear in order lines.
#}
with

lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
    where not is_return
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

deliveries as (
    select * from {{ ref('stg_wms__deliveries') }}
    where rejection_reason is null
),

drivers as (
    select * from {{ ref('cost_to_serve_drivers') }}
),

driver_rates as (
    -- One row: the rate of every cost component and driver (0 where the seed has none).
    select
        coalesce(sum(case when cost_component = 'handling' and driver = 'orders' then rate_rep_ccy end), 0)
            as handling_rate_per_orders,
        coalesce(sum(case when cost_component = 'handling' and driver = 'order_lines' then rate_rep_ccy end), 0)
            as handling_rate_per_order_lines,
        coalesce(sum(case when cost_component = 'handling' and driver = 'units' then rate_rep_ccy end), 0)
            as handling_rate_per_units,
        coalesce(sum(case when cost_component = 'order_processing' and driver = 'orders' then rate_rep_ccy end), 0)
            as order_processing_rate_per_orders,
        coalesce(sum(case when cost_component = 'order_processing' and driver = 'order_lines' then rate_rep_ccy end), 0)
            as order_processing_rate_per_order_lines,
        coalesce(sum(case when cost_component = 'order_processing' and driver = 'units' then rate_rep_ccy end), 0)
            as order_processing_rate_per_units
    from drivers
),

delivery_pieces as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        delivered_date,
        delivered_quantity,
        freight_cost_rep_ccy,
        row_number() over (
            partition by business_unit_id, order_id, order_line_number
            order by ship_date nulls last, delivered_date nulls last, delivery_id
        ) as delivery_sequence
    from deliveries
    where delivered_date is not null
),

line_deliveries as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        count(*) as delivery_count,
        {{ exact_sum('coalesce(delivered_quantity, 0)') }} as delivered_quantity,
        {{ exact_sum('case when delivery_sequence = 1 then coalesce(delivered_quantity, 0) else 0 end') }}
            as first_delivery_quantity,
        max(delivered_date) as last_delivered_date,
        count(freight_cost_rep_ccy) as deliveries_with_freight_count,
        {{ exact_sum('freight_cost_rep_ccy') }} as freight_cost_rep_ccy
    from delivery_pieces
    group by business_unit_id, order_id, order_line_number
),

lines_in_periods as (
    select
        lines.business_unit_id,
        lines.order_id,
        lines.order_line_number,
        lines.order_date,
        lines.requested_date,
        lines.segment_customer_id,
        lines.product_id,
        lines.plant_id,
        lines.customer_key,
        lines.quantity,
        lines.revenue_rep_ccy,
        lines.gross_margin_rep_ccy,
        periods.calendar_id,
        periods.fiscal_period_key,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period,
        count(*) over (partition by lines.business_unit_id, lines.order_id) as order_sales_line_count
    from lines
    inner join periods
        on lines.order_date between periods.period_start_date and periods.period_end_date
),

measured as (
    select
        lines_in_periods.*,
        line_deliveries.last_delivered_date,
        coalesce(line_deliveries.delivery_count, 0) as delivery_count,
        coalesce(line_deliveries.delivered_quantity, 0) as delivered_quantity,
        coalesce(line_deliveries.first_delivery_quantity, 0) as first_delivery_quantity,
        line_deliveries.delivery_count is not null as is_delivered,
        case
            when line_deliveries.deliveries_with_freight_count = line_deliveries.delivery_count
                then line_deliveries.freight_cost_rep_ccy
        end as freight_cost_rep_ccy,
        driver_rates.handling_rate_per_orders / lines_in_periods.order_sales_line_count
        + driver_rates.handling_rate_per_order_lines
        + driver_rates.handling_rate_per_units * coalesce(line_deliveries.delivered_quantity, 0)
            as handling_cost_rep_ccy,
        driver_rates.order_processing_rate_per_orders / lines_in_periods.order_sales_line_count
        + driver_rates.order_processing_rate_per_order_lines
        + driver_rates.order_processing_rate_per_units * coalesce(line_deliveries.delivered_quantity, 0)
            as order_processing_cost_rep_ccy
    from lines_in_periods
    cross join driver_rates
    left join line_deliveries
        on lines_in_periods.business_unit_id = line_deliveries.business_unit_id
            and lines_in_periods.order_id = line_deliveries.order_id
            and lines_in_periods.order_line_number = line_deliveries.order_line_number
),

final as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        order_date,
        requested_date,
        segment_customer_id,
        product_id,
        plant_id,
        customer_key,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        days_in_period,
        quantity,
        revenue_rep_ccy,
        gross_margin_rep_ccy,
        order_sales_line_count,
        delivery_count,
        delivered_quantity,
        first_delivery_quantity,
        last_delivered_date,
        is_delivered,
        freight_cost_rep_ccy,
        handling_cost_rep_ccy,
        order_processing_cost_rep_ccy,
        case
            when is_delivered and requested_date is not null then last_delivered_date <= requested_date
        end as is_on_time,
        case when is_delivered then delivered_quantity >= quantity end as is_in_full,
        case
            when is_delivered and requested_date is not null
                then last_delivered_date <= requested_date and delivered_quantity >= quantity
        end as is_on_time_in_full,
        case when is_delivered then first_delivery_quantity >= quantity end as is_filled_first_time,
        freight_cost_rep_ccy + handling_cost_rep_ccy + order_processing_cost_rep_ccy as cost_to_serve_rep_ccy,
        gross_margin_rep_ccy
        - (freight_cost_rep_ccy + handling_cost_rep_ccy + order_processing_cost_rep_ccy)
            as margin_after_cost_to_serve_rep_ccy
    from measured
)

select * from final
