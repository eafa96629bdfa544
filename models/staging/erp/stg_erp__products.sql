with source as (
    select * from {{ source('erp', 'products') }}
),

renamed as (
    select
        product_id,
        product_name,
        product_family,
        unit_of_measure,
        try_cast(standard_cost as double) as standard_cost_rep_ccy,
        try_cast(lead_time_days as integer) as lead_time_days,
        coalesce(try_cast(has_service_clause as boolean), false) as has_service_clause,
        {{ contract_rejection_reason('erp', 'products') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('erp', 'products') }} as unparseable_optional_columns,
        {{ contract_source_row('erp', 'products') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
