with source as (
    select * from {{ source('wms', 'inventory_snapshots') }}
),

renamed as (
    select
        try_cast(snapshot_date as date) as snapshot_date,
        plant_id,
        product_id,
        try_cast(on_hand_quantity as double) as on_hand_quantity,
        {{ contract_rejection_reason('wms', 'inventory_snapshots') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('wms', 'inventory_snapshots') }} as unparseable_optional_columns,
        {{ contract_source_row('wms', 'inventory_snapshots') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
