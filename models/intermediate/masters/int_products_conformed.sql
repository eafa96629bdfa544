{#
    The conformed product master: one row per product of the ERP product
    master. Rows staging could not use are left out (they are in
    fct_quarantined_rows); a product delivered twice keeps its first usable row
    in the file. Every model that needs a product attribute reads it here.
#}
with

products as (
    select * from {{ ref('stg_erp__products') }}
    where rejection_reason is null
),

first_row_per_product as (
    select
        product_id,
        product_name,
        product_family,
        unit_of_measure,
        standard_cost_rep_ccy,
        lead_time_days,
        has_service_clause,
        source_file,
        source_row_number
    from products
    qualify row_number() over (partition by product_id order by source_row_number) = 1
),

final as (
    select
        product_id,
        product_name,
        product_family,
        unit_of_measure,
        standard_cost_rep_ccy,
        lead_time_days,
        has_service_clause,
        source_file,
        source_row_number
    from first_row_per_product
)

select * from final
