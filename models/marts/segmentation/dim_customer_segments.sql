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
        abc.abc_class,
        abc.measure_used as abc_measure,
        abc.measure_fallback_reason as abc_measure_fallback_reason,
        abc.measure_value as abc_measure_value,
        cast(abc.measure_rank as bigint) as abc_rank,
        abc.cumulative_share as abc_cumulative_share,
        abc.is_non_positive_contributor,
        measures.revenue_rep_ccy,
        measures.gross_margin_rep_ccy,
        measures.volume_quantity,
        cast(measures.order_line_count as bigint) as order_line_count,
        assignments.xyz_class,
        cast(assignments.coefficient_of_variation as double) as coefficient_of_variation,
        assignments.demand_pattern,
        assignments.is_new_entity,
        assignments.is_provisional,
        assignments.multi_criteria_class,
        cast(assignments.value_score as double) as value_score,
        cast(assignments.service_sensitivity_score as double) as service_sensitivity_score,
        cast(assignments.forecastability_score as double) as forecastability_score,
        cast(assignments.geography_score as double) as geography_score,
        cast(assignments.weighted_score as double) as weighted_score,
        assignments.dimensions_used,
        assignments.algorithmic_segment_code,
        assignments.algorithmic_segment_name,
        cast(assignments.algorithmic_service_tier as integer) as algorithmic_service_tier,
        assignments.is_guardrail_adjusted,
        assignments.guardrail_rule_id,
        assignments.is_overridden,
        assignments.override_id,
        assignments.override_reason,
        assignments.override_contract_reference,
        assignments.override_valid_to,
        assignments.final_segment_code,
        assignments.final_segment_name,
        cast(assignments.final_service_tier as integer) as final_service_tier,
        assignments.segment_mode,
        assignments.is_segment_held,
        assignments.next_review_due_date,
        assignments.is_segment_changed_this_run,
        assignments.segment_valid_since_date,
        assignments.reason_codes,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from abc
    inner join measures
        on abc.entity_id = measures.entity_id
    left join accounts
        on abc.entity_id = accounts.segment_customer_id
    left join assignments
        on abc.entity_id = assignments.entity_id
)

select * from final
