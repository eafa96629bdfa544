{#
    One row per usable segment challenge (dispute) of the governance input
    (stg_governance__segment_challenges, rows without a rejection reason), with
    its age on the run's "as of" date (int_reference_date), its SLA due date
    (raised_date + var dispute_sla_days) and whether it is overdue: still open
    or under review after the due date. An accepted dispute with a decider and
    a decision date becomes an override (int_segment_overrides_unioned); its
    validity runs from override_valid_from (default: the decision date) to
    override_valid_to (default: start + var dispute_override_validity_days).
    Doc block segment_challenges.
#}
with

challenges as (
    select * from {{ ref('stg_governance__segment_challenges') }}
    where rejection_reason is null
),

as_of as (
    select reference_date from {{ ref('int_reference_date') }}
),

assessed as (
    select
        challenges.challenge_id,
        challenges.grain,
        challenges.entity_id,
        challenges.raised_by,
        challenges.raised_date,
        challenges.reason,
        challenges.requested_segment_code,
        challenges.requested_service_tier,
        challenges.status,
        challenges.decision,
        challenges.decided_by,
        challenges.decided_date,
        as_of.reference_date,
        challenges.status in ('open', 'under_review') as is_open,
        cast(
            challenges.raised_date + to_days({{ sql_number_var('dispute_sla_days') }}) as date
        ) as sla_due_date,
        {{ dbt.datediff('challenges.raised_date', 'as_of.reference_date', 'day') }} as age_days,
        coalesce(challenges.override_valid_from, challenges.decided_date) as override_valid_from,
        challenges.override_valid_to
    from challenges
    cross join as_of
),

final as (
    select
        challenge_id,
        grain,
        entity_id,
        raised_by,
        raised_date,
        reason,
        requested_segment_code,
        requested_service_tier,
        status,
        decision,
        decided_by,
        decided_date,
        reference_date,
        is_open,
        sla_due_date,
        age_days,
        override_valid_from,
        is_open and reference_date > sla_due_date as is_overdue,
        status = 'accepted'
        and nullif(trim(decided_by), '') is not null
        and decided_date is not null as becomes_override,
        coalesce(
            override_valid_to,
            cast(override_valid_from + to_days({{ sql_number_var('dispute_override_validity_days') }}) as date)
        ) as override_valid_to
    from assessed
)

select * from final
