{#
    One row per input entity per run: rows read, used, removed as exact
    duplicates and quarantined per reason. Kept across runs (incremental by
    run_id), so a load that a completeness gate stopped is on record too:
    this mart does not wait for the gates.
#}
{{ config(
    materialized='incremental',
    unique_key=['run_id', 'entity'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns'
) }}

with

counted as (
    select * from {{ ref('int_load_rows_counted') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

final as (
    select
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        (select reference.reference_date from reference) as reference_date,
        source_system,
        entity,
        source_file,
        rows_read,
        rows_used,
        exact_duplicates_removed,
        rows_quarantined,
        rows_missing_required,
        rows_unparseable,
        rows_conflicting_duplicate_key,
        rows_unknown_business_unit,
        rows_unknown_customer,
        rows_unknown_product,
        rows_missing_fx_rate,
        rows_out_of_range,
        rows_with_unparseable_optional_value
    from counted
)

select * from final
