{#
    One row per product: its segment of this run and the measures behind it.
    BI-facing: explicit columns, enforced contract, no personal data.
    Reads one parent, int_segment_assignments_final (the end of the
    segmentation spine, doc block segmentation_spine), which carries the
    product attributes, the ABC ranking and measures, the classes and scores
    and the published segment (algorithm, guardrails, static-mode hold,
    overrides); the override audit quotes override_id, never the approver.
#}
with

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain = 'product'
),

final as (
    select
        assignments.entity_id as product_id,
        assignments.product_name,
        assignments.product_family,
        assignments.unit_of_measure,
        assignments.lead_time_days,
        assignments.has_service_clause,
        {{ segment_dim_columns() }}
    from assignments
)

select * from final
