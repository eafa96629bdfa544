{#
    One row per grain and entity: the segment published by this run, with
    every dimension's class and score, the algorithmic segment, the guardrail
    adjustment, the static-mode review state, the override that won and the
    final segment. BI-facing: explicit columns, enforced contract, no
    personal data (the override approver stays in the governance seed;
    override_id points to it).
#}
with

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

final as (
    select
        grain,
        entity_id,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        reference_date,
        segment_mode,
        abc_measure,
        cast(abc_measure_value as double) as abc_measure_value,
        abc_class,
        xyz_class,
        cast(coefficient_of_variation as double) as coefficient_of_variation,
        demand_pattern,
        lifecycle_status,
        is_new_entity,
        is_provisional,
        multi_criteria_class,
        cast(value_score as double) as value_score,
        cast(service_sensitivity_score as double) as service_sensitivity_score,
        cast(forecastability_score as double) as forecastability_score,
        cast(geography_score as double) as geography_score,
        cast(weighted_score as double) as weighted_score,
        dimensions_used,
        is_key_account,
        has_service_clause,
        algorithmic_segment_code,
        algorithmic_segment_name,
        cast(algorithmic_service_tier as integer) as algorithmic_service_tier,
        is_guardrail_adjusted,
        guardrail_rule_id,
        cast(strictest_guardrail_tier_limit as integer) as strictest_guardrail_tier_limit,
        cast(guardrail_service_tier as integer) as guardrail_service_tier,
        is_segment_held,
        review_trigger,
        last_reviewed_date,
        next_review_due_date,
        reviewed_abc_measure,
        cast(reviewed_abc_measure_value as double) as reviewed_abc_measure_value,
        cast(abc_measure_value_change_share as double) as abc_measure_value_change_share,
        pre_override_segment_code,
        pre_override_segment_name,
        cast(pre_override_service_tier as integer) as pre_override_service_tier,
        is_overridden,
        override_id,
        override_forced_segment_code,
        cast(override_forced_service_tier as integer) as override_forced_service_tier,
        override_reason,
        override_contract_reference,
        override_approved_date,
        override_valid_from,
        override_valid_to,
        final_segment_code,
        final_segment_name,
        cast(final_service_tier as integer) as final_service_tier,
        previous_run_id,
        previous_final_segment_code,
        cast(previous_final_service_tier as integer) as previous_final_service_tier,
        is_segment_changed_this_run,
        segment_valid_since_date,
        reason_codes,
        cast(cluster_id as integer) as cluster_id,
        cluster_name,
        cast(cluster_service_tier_adjustment as integer) as cluster_service_tier_adjustment
    from assignments
)

select * from final
