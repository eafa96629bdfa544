{#
    The conformed FX rates: one rate to the reporting currency per currency
    and month. Rows staging could not use are left out (they are in
    fct_quarantined_rows); a currency and month delivered twice keeps its first
    usable row in the file. Order lines are converted with these rates.
#}
with

fx_rates as (
    select * from {{ ref('stg_erp__fx_rates') }}
    where rejection_reason is null
),

first_row_per_currency_month as (
    select
        currency_code,
        rate_month,
        rate_to_reporting,
        source_file,
        source_row_number
    from fx_rates
    qualify row_number() over (partition by currency_code, rate_month order by source_row_number) = 1
),

final as (
    select
        currency_code,
        rate_month,
        rate_to_reporting,
        source_file,
        source_row_number
    from first_row_per_currency_month
)

select * from final
