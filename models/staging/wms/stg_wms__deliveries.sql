with source as (
    select * from {{ source('wms', 'deliveries') }}
),

renamed as (
    select
        business_unit_id,
        order_id,
        try_cast(order_line_number as integer) as order_line_number,
        delivery_id,
        try_cast(ship_date as date) as ship_date,
        try_cast(delivered_date as date) as delivered_date,
        try_cast(delivered_quantity as double) as delivered_quantity,
        try_cast(freight_cost as double) as freight_cost_rep_ccy,
        try_cast(handling_cost as double) as handling_cost_rep_ccy,
        {{ contract_rejection_reason('wms', 'deliveries') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('wms', 'deliveries') }} as unparseable_optional_columns,
        {{ contract_source_row('wms', 'deliveries') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
