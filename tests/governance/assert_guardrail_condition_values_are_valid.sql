-- Seed segment_guardrails: condition_value fits its condition: true or false for
-- key_account and has_service_clause, an ABC class of seed abc_thresholds for
-- abc_class_equals. A misspelt value would make a rule silently never hold.
{{ config(severity='error') }}

with

guardrails as (
    select * from {{ ref('segment_guardrails') }}
),

abc_classes as (
    select distinct abc_class from {{ ref('abc_thresholds') }}
)

select
    guardrails.rule_id,
    guardrails.condition,
    guardrails.condition_value
from guardrails
left join abc_classes
    on upper(trim(guardrails.condition_value)) = abc_classes.abc_class
where
    (
        guardrails.condition in ('key_account', 'has_service_clause')
        and lower(trim(guardrails.condition_value)) not in ('true', 'false')
    )
    or (guardrails.condition = 'abc_class_equals' and abc_classes.abc_class is null)
