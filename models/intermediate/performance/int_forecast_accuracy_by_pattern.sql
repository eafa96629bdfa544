{#
    Forecast accuracy per product segment, demand pattern (with the forecast
    method family seed forecast_methods assigns to it) and KPI period:
    WAPE = sum |forecast - actual| / sum actual and bias = sum (forecast -
    actual) / sum actual over the product-months of int_forecast_errors_measured
    (doc block kpi_forecast_accuracy). Periods with no actual demand have no
    ratio (null).
#}
with

entity_measures as (
    select * from {{ ref('int_kpi_entity_measures') }}
    where grain = 'product'
        and forecast_quantity is not null
),

forecast_methods as (
    select * from {{ ref('forecast_methods') }}
),

by_pattern as (
    select
        segment_code,
        demand_pattern,
        calendar_id,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        count(*) as forecast_product_count,
        {{ exact_sum('forecast_quantity') }} as forecast_quantity,
        {{ exact_sum('actual_quantity') }} as actual_quantity,
        {{ exact_sum('absolute_forecast_error_quantity') }} as absolute_forecast_error_quantity,
        {{ exact_sum('forecast_error_quantity') }} as forecast_error_quantity,
        {{ exact_sum('absolute_forecast_error_quantity') }}
        / nullif({{ exact_sum('actual_quantity') }}, 0) as forecast_wape,
        {{ exact_sum('forecast_error_quantity') }} / nullif({{ exact_sum('actual_quantity') }}, 0) as forecast_bias
    from entity_measures
    group by 1, 2, 3, 4, 5, 6
),

final as (
    select
        by_pattern.segment_code,
        by_pattern.demand_pattern,
        forecast_methods.forecast_method_family,
        by_pattern.calendar_id,
        by_pattern.fiscal_period_key,
        by_pattern.period_start_date,
        by_pattern.period_end_date,
        by_pattern.forecast_product_count,
        by_pattern.forecast_quantity,
        by_pattern.actual_quantity,
        by_pattern.absolute_forecast_error_quantity,
        by_pattern.forecast_error_quantity,
        by_pattern.forecast_wape,
        by_pattern.forecast_bias
    from by_pattern
    left join forecast_methods
        on by_pattern.demand_pattern = forecast_methods.demand_pattern
)

select * from final
