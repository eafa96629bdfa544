with source as (
    select * from {{ source('erp', 'fx_rates') }}
),

renamed as (
    select
        upper(currency_code) as currency_code,
        {{ dbt.date_trunc('month', 'try_cast(rate_month as date)') }} as rate_month,
        try_cast(rate_to_reporting as double) as rate_to_reporting,
        {{ contract_rejection_reason('erp', 'fx_rates') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('erp', 'fx_rates') }} as unparseable_optional_columns,
        {{ contract_source_row('erp', 'fx_rates') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
