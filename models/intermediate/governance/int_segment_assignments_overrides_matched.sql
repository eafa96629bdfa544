{#
    Spine step 6: the guardrailed assignments (int_segment_assignments_guardrailed,
    every column carried forward), each with the manual override that applies
    to it in this run, if any. An override (seed segment_overrides, or an
    accepted dispute: int_segment_overrides_unioned) applies
    when it is valid on the "as of" date (int_reference_date)
    (valid_from <= reference_date <= valid_to, valid_to empty = open-ended),
    was approved on or before that date, and carries a reason and an
    approver. Expired and not-yet-valid overrides, and overrides of entities
    not segmented in this run, match nothing. At most one override may apply
    to an entity on a date; a second one duplicates the entity and fails the
    primary-key test. The override is applied in int_segment_assignments_final,
    after the static-mode hold. The approver (a person in production) stays in
    the seed: override_id points to it, and nothing downstream carries
    personal data.
#}
with

assignments as (
    select * from {{ ref('int_segment_assignments_guardrailed') }}
),

overrides as (
    select * from {{ ref('int_segment_overrides_unioned') }}
),

as_of as (
    select reference_date from {{ ref('int_reference_date') }}
),

applicable_overrides as (
    select
        overrides.grain,
        overrides.entity_id,
        overrides.override_id,
        overrides.forced_segment_code,
        overrides.forced_service_tier,
        overrides.reason,
        overrides.contract_reference,
        overrides.approved_date,
        overrides.valid_from,
        overrides.valid_to
    from overrides
    cross join as_of
    where
        overrides.valid_from <= as_of.reference_date
        and (overrides.valid_to is null or overrides.valid_to >= as_of.reference_date)
        and overrides.approved_date <= as_of.reference_date
        and nullif(trim(overrides.reason), '') is not null
        and nullif(trim(overrides.approver), '') is not null
),

final as (
    select
        assignments.*,
        as_of.reference_date,
        applicable_overrides.override_id,
        applicable_overrides.forced_segment_code as override_forced_segment_code,
        applicable_overrides.forced_service_tier as override_forced_service_tier,
        applicable_overrides.reason as override_reason,
        applicable_overrides.contract_reference as override_contract_reference,
        applicable_overrides.approved_date as override_approved_date,
        applicable_overrides.valid_from as override_valid_from,
        applicable_overrides.valid_to as override_valid_to
    from assignments
    cross join as_of
    left join applicable_overrides
        on
            assignments.grain = applicable_overrides.grain
            and assignments.entity_id = applicable_overrides.entity_id
)

select * from final
