{#
    Spine step 5: the algorithmic assignments (int_segment_assignments_algorithmic,
    every column carried forward) with expert guardrails applied to the tier.
    Every rule of seed segment_guardrails whose condition holds for an entity
    is evaluated; a rule whose tier limit is better than the algorithmic tier
    lifts it (an adjustment), and the strictest such rule sets the tier after
    guardrails and is the binding rule (ties: lowest rule_id). Rules that hold
    but lift nothing still count in strictest_guardrail_tier_limit: static mode
    checks a held tier against them. Conditions are a closed list:
    key_account, abc_class_equals, has_service_clause (accepted_values test on
    the seed). A guardrail changes the tier, never the segment code.
#}
{%- set reason_separator = '; ' -%}
with

assignments as (
    select * from {{ ref('int_segment_assignments_algorithmic') }}
),

guardrails as (
    select * from {{ ref('segment_guardrails') }}
),

rule_matches as (
    select
        assignments.grain,
        assignments.entity_id,
        guardrails.rule_id,
        guardrails.min_service_tier_number as rule_service_tier_limit,
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

rules_evaluated as (
    select
        *,
        rule_service_tier_limit < algorithmic_service_tier as is_tier_lifted,
        row_number() over (
            partition by grain, entity_id
            order by rule_service_tier_limit, rule_id
        ) as rule_strictness_rank
    from rule_matches
),

guardrails_by_entity as (
    select
        grain,
        entity_id,
        min(rule_service_tier_limit) as strictest_guardrail_tier_limit,
        max(case when is_tier_lifted and rule_strictness_rank = 1 then rule_id end) as guardrail_rule_id,
        string_agg(
            case
                when is_tier_lifted
                    then 'GUARDRAIL:' || rule_id || ' tier at most '
                        || cast(rule_service_tier_limit as {{ dbt.type_string() }})
            end,
            '{{ reason_separator }}' order by rule_id
        ) as guardrail_reason_codes
    from rules_evaluated
    group by grain, entity_id
),

final as (
    select
        assignments.*,
        guardrails_by_entity.guardrail_rule_id,
        guardrails_by_entity.guardrail_reason_codes,
        guardrails_by_entity.strictest_guardrail_tier_limit,
        guardrails_by_entity.guardrail_rule_id is not null as is_guardrail_adjusted,
        least(
            assignments.service_tier,
            coalesce(guardrails_by_entity.strictest_guardrail_tier_limit, assignments.service_tier)
        ) as guardrail_service_tier
    from assignments
    left join guardrails_by_entity
        on
            assignments.grain = guardrails_by_entity.grain
            and assignments.entity_id = guardrails_by_entity.entity_id
)

select * from final
