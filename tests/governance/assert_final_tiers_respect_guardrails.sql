-- fct_segment_assignments: no published tier is worse than a guardrail that holds
-- for the entity, unless an override forced it. The rules are evaluated here
-- from the seed, independently of int_segment_assignments_guardrailed, reading
-- condition_value as the model does (trimmed, case-insensitive).
{{ config(severity='error') }}

with

assignments as (
    select * from {{ ref('fct_segment_assignments') }}
),

guardrails as (
    select * from {{ ref('segment_guardrails') }}
)

select
    assignments.grain,
    assignments.entity_id,
    guardrails.rule_id,
    guardrails.min_service_tier_number,
    assignments.final_service_tier
from assignments
inner join guardrails
    on assignments.grain = guardrails.grain
where
    not assignments.is_overridden
    and assignments.final_service_tier > guardrails.min_service_tier_number
    and (
        (
            guardrails.condition = 'key_account'
            and cast(assignments.is_key_account as varchar) = lower(trim(guardrails.condition_value))
        )
        or (
            guardrails.condition = 'has_service_clause'
            and cast(assignments.has_service_clause as varchar) = lower(trim(guardrails.condition_value))
        )
        or (
            guardrails.condition = 'abc_class_equals'
            and assignments.abc_class = upper(trim(guardrails.condition_value))
        )
    )
