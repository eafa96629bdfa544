with source as (
    select * from {{ source('erp', 'customers') }}
),

renamed as (
    select
        business_unit_id,
        customer_id,
        business_unit_id || ':' || customer_id as customer_key,
        customer_name,
        upper(country_code) as country_code,
        sales_region,
        try_cast(created_date as date) as created_date,
        contact_name,
        contact_email,
        coalesce(try_cast(has_price_clause as boolean), false) as has_price_clause,
        {{ contract_rejection_reason('erp', 'customers') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('erp', 'customers') }} as unparseable_optional_columns,
        {{ contract_source_row('erp', 'customers') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
