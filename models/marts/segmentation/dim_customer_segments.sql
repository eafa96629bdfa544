{#
    One row per segmentation customer (global account, or business-unit
    customer when var customer_grain says so): its segment of this run and
    the measures behind it. BI-facing: no names, no contacts.
    Classes, scores and the published segment come from
    int_segment_assignments_final (algorithm, guardrails, static-mode hold,
    overrides); the override audit quotes override_id, never the approver.
#}
with

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
    where grain = 'customer'
),

accounts as (
    select
        segment_customer_id,
        max(global_account_id) as global_account_id,
        bool_or(is_key_account) as is_key_account,
        count(distinct business_unit_id) as business_unit_count,
        count(*) as erp_customer_count,
        min(sales_region) as sales_region
    from {{ ref('int_customers_reconciled') }}
    group by segment_customer_id
),

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
    where grain = 'customer'
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain = 'customer'
),

final as (
    select
        abc.entity_id as customer_segment_id,
        accounts.global_account_id,
        coalesce(accounts.is_key_account, false) as is_key_account,
        accounts.business_unit_count,
        accounts.erp_customer_count,
        accounts.sales_region,
        {{ segment_dim_columns() }}
    from abc
    inner join measures
        on abc.entity_id = measures.entity_id
    left join accounts
        on abc.entity_id = accounts.segment_customer_id
    left join assignments
        on abc.entity_id = assignments.entity_id
)

select * from final
