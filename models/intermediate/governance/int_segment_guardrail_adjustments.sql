{#
    Expert guardrails evaluated on the algorithmic assignments: one row per
    entity and guardrail rule (seed segment_guardrails) whose condition holds
    for the entity. A rule whose tier limit is better than the algorithmic
    tier lifts it (is_tier_lifted); the strictest such rule sets the tier after
    guardrails and is the binding rule (ties: lowest rule_id). Rules that hold
    but lift nothing are kept: static mode checks a held tier against them.
    Conditions are a closed list: key_account, abc_class_equals,
    has_service_clause (accepted_values test on the seed).
#}
with

assignments as (
    select
        grain,
        entity_id,
        abc_class,
        is_key_account,
        has_service_clause,
        service_tier
    from {{ ref('int_segment_assignments_algorithmic') }}
),

guardrails as (
    select * from {{ ref('segment_guardrails') }}
),

rule_matches as (
    select
        assignments.grain,
        assignments.entity_id,
        guardrails.rule_id,
        guardrails.condition,
        guardrails.condition_value,
        guardrails.min_service_tier_number as rule_service_tier_limit,
        guardrails.rationale,
        assignments.service_tier as algorithmic_service_tier
    from assignments
    inner join guardrails
        on assignments.grain = guardrails.grain
    where
        case guardrails.condition
            when 'key_account'
                then assignments.is_key_account = (lower(trim(guardrails.condition_value)) = 'true')
            when 'has_service_clause'
                then assignments.has_service_clause = (lower(trim(guardrails.condition_value)) = 'true')
            when 'abc_class_equals'
                then assignments.abc_class = upper(trim(guardrails.condition_value))
            else false
        end
),

tiers_after_guardrails as (
    select
        *,
        rule_service_tier_limit < algorithmic_service_tier as is_tier_lifted,
        least(
            algorithmic_service_tier,
            min(rule_service_tier_limit) over (partition by grain, entity_id)
        ) as guardrail_service_tier
    from rule_matches
),

final as (
    select
        grain,
        entity_id,
        rule_id,
        condition,
        condition_value,
        rule_service_tier_limit,
        rationale,
        algorithmic_service_tier,
        guardrail_service_tier,
        is_tier_lifted,
        coalesce(
            is_tier_lifted
            and row_number() over (
                partition by grain, entity_id
                order by rule_service_tier_limit, rule_id
            ) = 1,
            false
        ) as is_binding_rule
    from tiers_after_guardrails
)

select * from final
