{#
    One row per usable segment challenge (dispute) of the governance input:
    its status, SLA due date, age and overdue flag on the run's reference
    date, whether it became an override and whether that override applies in
    this run. No personal data: who raised and who decided stay in the
    governance input. Doc block segment_challenges.
#}
with

challenges as (
    select * from {{ ref('int_segment_challenges_assessed') }}
),

applied_overrides as (
    select
        override_id,
        grain,
        entity_id
    from {{ ref('int_segment_assignments_overrides_matched') }}
    where override_id is not null
),

final as (
    select
        challenges.challenge_id,
        challenges.grain,
        challenges.entity_id,
        challenges.raised_date,
        challenges.reason,
        challenges.requested_segment_code,
        cast(challenges.requested_service_tier as integer) as requested_service_tier,
        challenges.status,
        challenges.decision,
        challenges.decided_date,
        challenges.reference_date,
        challenges.sla_due_date,
        cast(challenges.age_days as integer) as age_days,
        challenges.is_open,
        challenges.is_overdue,
        challenges.becomes_override,
        case when challenges.becomes_override then challenges.override_valid_from end as override_valid_from,
        case when challenges.becomes_override then challenges.override_valid_to end as override_valid_to,
        applied_overrides.override_id is not null as is_override_applied,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from challenges
    left join applied_overrides
        on
            challenges.challenge_id = applied_overrides.override_id
            and challenges.grain = applied_overrides.grain
            and challenges.entity_id = applied_overrides.entity_id
)

select * from final
