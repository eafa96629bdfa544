{#
    One row per product: its segment of this run and the measures behind it.
    BI-facing: explicit columns, enforced contract, no personal data.
#}
with

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
    where grain = 'product'
),

products as (
    select
        product_id,
        product_name,
        product_family,
        unit_of_measure,
        lead_time_days,
        has_service_clause
    from {{ ref('stg_erp__products') }}
    where rejection_reason is null
    qualify row_number() over (partition by product_id order by source_row_number) = 1
),

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
    where grain = 'product'
),

final as (
    select
        abc.entity_id as product_id,
        products.product_name,
        products.product_family,
        products.unit_of_measure,
        products.lead_time_days,
        products.has_service_clause,
        abc.abc_class,
        abc.measure_used as abc_measure,
        abc.measure_fallback_reason as abc_measure_fallback_reason,
        abc.measure_value as abc_measure_value,
        abc.measure_rank as abc_rank,
        abc.cumulative_share as abc_cumulative_share,
        abc.is_non_positive_contributor,
        measures.revenue_rep_ccy,
        measures.gross_margin_rep_ccy,
        measures.volume_quantity,
        measures.order_line_count,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from abc
    inner join measures
        on abc.entity_id = measures.entity_id
    left join products
        on abc.entity_id = products.product_id
)

select * from final
