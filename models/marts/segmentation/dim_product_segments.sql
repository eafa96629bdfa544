{#
    One row per product: its segment of this run and the measures behind it.
    BI-facing: explicit columns, enforced contract, no personal data.
    Classes, scores and the published segment come from
    int_segment_assignments_final (algorithm, guardrails, static-mode hold,
    overrides); the override audit quotes override_id, never the approver.
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
    from {{ ref('int_products_conformed') }}
),

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
    where grain = 'product'
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
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
        {{ segment_dim_columns() }}
    from abc
    inner join measures
        on abc.entity_id = measures.entity_id
    left join products
        on abc.entity_id = products.product_id
    left join assignments
        on abc.entity_id = assignments.entity_id
)

select * from final
