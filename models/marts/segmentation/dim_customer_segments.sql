{#
    One row per segmentation customer (global account, or business-unit
    customer when var customer_grain says so): its segment of this run and
    the measures behind it. BI-facing: no names, no contacts.
    Reads one parent, int_segment_assignments_final (the end of the
    segmentation spine, doc block segmentation_spine), which carries the
    account attributes, the ABC ranking and measures, the classes and scores
    and the published segment (algorithm, guardrails, static-mode hold,
    overrides); the override audit quotes override_id, never the approver.
#}
with

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain = 'customer'
),

final as (
    select
        assignments.entity_id as customer_segment_id,
        assignments.global_account_id,
        coalesce(assignments.is_key_account, false) as is_key_account,
        assignments.business_unit_count,
        assignments.erp_customer_count,
        assignments.sales_region,
        {{ segment_dim_columns() }}
    from assignments
)

select * from final
