{#
    The conformed business-unit master: one row per business unit with its
    currency and fiscal calendar. Rows staging could not use are left out
    (they are in fct_quarantined_rows); a unit delivered twice keeps its first
    usable row in the file. Every model that needs the list of units or a
    unit's currency or calendar reads it here.
#}
with

business_units as (
    select * from {{ ref('stg_erp__business_units') }}
    where rejection_reason is null
),

first_row_per_business_unit as (
    select
        business_unit_id,
        business_unit_name,
        currency_code,
        fiscal_calendar_pattern,
        fiscal_year_start_month,
        source_file,
        source_row_number
    from business_units
    qualify row_number() over (partition by business_unit_id order by source_row_number) = 1
),

final as (
    select
        business_unit_id,
        business_unit_name,
        currency_code,
        fiscal_calendar_pattern,
        fiscal_year_start_month,
        source_file,
        source_row_number
    from first_row_per_business_unit
)

select * from final
