with source as (
    select * from {{ source('governance', 'segment_challenges') }}
),

renamed as (
    select
        challenge_id,
        grain,
        entity_id,
        raised_by,
        try_cast(raised_date as date) as raised_date,
        reason,
        upper(requested_segment_code) as requested_segment_code,
        try_cast(requested_service_tier as integer) as requested_service_tier,
        lower(status) as status,
        decision,
        decided_by,
        try_cast(decided_date as date) as decided_date,
        try_cast(override_valid_from as date) as override_valid_from,
        try_cast(override_valid_to as date) as override_valid_to,
        {{ contract_rejection_reason('governance', 'segment_challenges') }} as rejection_reason,
        {{ contract_unparseable_optional_columns('governance', 'segment_challenges') }} as unparseable_optional_columns,
        {{ contract_source_row('governance', 'segment_challenges') }} as source_row,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
)

select * from renamed
