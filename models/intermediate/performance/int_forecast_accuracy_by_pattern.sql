{#
    Forecast accuracy per product segment, demand pattern and KPI period:
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

final as (
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
)

select * from final
