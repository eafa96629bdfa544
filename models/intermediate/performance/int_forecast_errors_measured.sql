{#
    One row per business unit, product and forecast month lying wholly inside
    the KPI periods: the forecast (summed when a month is forecast twice), the
    actual demand (quantity of the usable sales lines ordered in that calendar
    month) and the error forecast - actual. A month forecast but not sold has
    actual 0; a month sold but not forecast is not measured (it counts in the
    coverage of fct_data_capabilities). The month reports in the KPI period
    holding its first day. Doc block kpi_forecast_accuracy.
#}
with

forecasts as (
    select * from {{ ref('stg_planning__forecasts') }}
    where rejection_reason is null
        and forecast_quantity is not null
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

sales_lines as (
    select * from {{ ref('int_order_lines_fulfilment_measured') }}
),

window_bounds as (
    select
        min(period_start_date) as window_start_date,
        max(period_end_date) as window_end_date
    from periods
),

forecast_months as (
    select
        forecasts.business_unit_id,
        forecasts.product_id,
        cast(forecasts.period_start as date) as forecast_month_start_date,
        {{ exact_sum('forecasts.forecast_quantity') }} as forecast_quantity
    from forecasts
    cross join window_bounds
    where forecasts.period_start >= window_bounds.window_start_date
        and {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'forecasts.period_start')) }}
        <= window_bounds.window_end_date
    group by 1, 2, 3
),

actual_months as (
    select
        business_unit_id,
        product_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as forecast_month_start_date,
        {{ exact_sum('quantity') }} as actual_quantity
    from sales_lines
    group by 1, 2, 3
),

final as (
    select
        forecast_months.business_unit_id,
        forecast_months.product_id,
        forecast_months.forecast_month_start_date,
        periods.calendar_id,
        periods.fiscal_period_key,
        periods.period_start_date,
        periods.period_end_date,
        periods.days_in_period,
        forecast_months.forecast_quantity,
        coalesce(actual_months.actual_quantity, 0) as actual_quantity,
        forecast_months.forecast_quantity - coalesce(actual_months.actual_quantity, 0) as forecast_error_quantity,
        abs(forecast_months.forecast_quantity - coalesce(actual_months.actual_quantity, 0))
            as absolute_forecast_error_quantity
    from forecast_months
    inner join periods
        on forecast_months.forecast_month_start_date between periods.period_start_date and periods.period_end_date
    left join actual_months
        on forecast_months.business_unit_id = actual_months.business_unit_id
            and forecast_months.product_id = actual_months.product_id
            and forecast_months.forecast_month_start_date = actual_months.forecast_month_start_date
)

select * from final
