with source as (
    select * from {{ source('erp', 'order_lines') }}
),

renamed as (
    select
        business_unit_id,
        order_id,
        try_cast(order_line_number as integer) as order_line_number,
        try_cast(order_date as date) as order_date,
        try_cast(requested_date as date) as requested_date,
        customer_id,
        business_unit_id || ':' || customer_id as customer_key,
        ship_to_id,
        business_unit_id || ':' || ship_to_id as ship_to_key,
        product_id,
        plant_id,
        lower(channel) as channel,
        try_cast(quantity as double) as quantity,
        try_cast(unit_price as double) as unit_price_doc_ccy,
        try_cast(unit_cost as double) as unit_cost_doc_ccy,
        upper(currency_code) as currency_code,
        {{ contract_rejection_reason('erp', 'order_lines') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('erp', 'order_lines') }} as unparseable_optional_columns,
        {{ contract_source_row('erp', 'order_lines') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
