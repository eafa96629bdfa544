with source as (
    select * from {{ source('erp', 'business_units') }}
),

renamed as (
    select
        business_unit_id,
        business_unit_name,
        upper(currency_code) as currency_code,
        lower(fiscal_calendar) as fiscal_calendar_pattern,
        try_cast(fiscal_year_start_month as integer) as fiscal_year_start_month,
        {{ contract_rejection_reason('erp', 'business_units') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('erp', 'business_units') }} as unparseable_optional_columns,
        {{ contract_source_row('erp', 'business_units') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
