with source as (
    select * from {{ source('crm', 'crm_accounts') }}
),

renamed as (
    select
        business_unit_id,
        customer_id,
        business_unit_id || ':' || customer_id as customer_key,
        global_account_id,
        global_account_name,
        coalesce(try_cast(is_key_account as boolean), false) as is_key_account,
        sales_region,
        {{ contract_rejection_reason('crm', 'crm_accounts') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('crm', 'crm_accounts') }} as unparseable_optional_columns,
        {{ contract_source_row('crm', 'crm_accounts') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
