with source as (
    select * from {{ source('wms', 'ship_tos') }}
),

renamed as (
    select
        business_unit_id,
        ship_to_id,
        business_unit_id || ':' || ship_to_id as ship_to_key,
        customer_id as logistics_parent_customer_id,
        business_unit_id || ':' || customer_id as logistics_parent_customer_key,
        logistics_unit,
        upper(country_code) as country_code,
        {{ contract_rejection_reason('wms', 'ship_tos') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('wms', 'ship_tos') }} as unparseable_optional_columns,
        {{ contract_source_row('wms', 'ship_tos') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
