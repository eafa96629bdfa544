with source as (
    select * from {{ source('planning', 'forecasts') }}
),

renamed as (
    select
        business_unit_id,
        product_id,
        {{ dbt.date_trunc('month', 'try_cast(period_start as date)') }} as period_start,
        try_cast(forecast_quantity as double) as forecast_quantity,
        {{ contract_rejection_reason('planning', 'forecasts') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('planning', 'forecasts') }} as unparseable_optional_columns,
        {{ contract_source_row('planning', 'forecasts') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
