{#
    Forecast accuracy (WAPE and bias) per product segment, demand pattern,
    the forecast method family the policy matrix assigns to it, and fiscal
    period (int_forecast_accuracy_by_pattern; doc block kpi_forecast_accuracy).
    Errors and actuals are carried so that any roll-up (per method family,
    per segment) sums them before dividing.
#}
with

accuracy as (
    select * from {{ ref('int_forecast_accuracy_by_pattern') }}
),

final as (
    select
        segment_code,
        demand_pattern,
        forecast_method_family,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        forecast_product_count,
        forecast_quantity,
        actual_quantity,
        absolute_forecast_error_quantity,
        forecast_error_quantity,
        forecast_wape,
        forecast_bias,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from accuracy
)

select * from final
