{#
    The manual overrides that apply in this run: valid on the "as of" date
    var('reference_date') (valid_from <= reference_date <= valid_to, valid_to
    empty = open-ended), approved on or before that date, carrying a reason
    and an approver, and naming an entity segmented in this run. Expired and
    not-yet-valid overrides are left out. At most one override may
    apply to an entity on a date; a second one fails the primary-key test.
    The approver (a person in production) stays in the seed: override_id
    points to it, and nothing downstream carries personal data.
#}
with

overrides as (
    select * from {{ ref('segment_overrides') }}
),

segmented_entities as (
    select
        grain,
        entity_id
    from {{ ref('int_segment_assignments_algorithmic') }}
),

as_of as (
    select reference_date from {{ ref('int_reference_date') }}
),

final as (
    select
        overrides.grain,
        overrides.entity_id,
        overrides.override_id,
        overrides.forced_segment_code,
        overrides.forced_service_tier,
        overrides.reason as override_reason,
        overrides.contract_reference as override_contract_reference,
        overrides.approved_date as override_approved_date,
        overrides.valid_from as override_valid_from,
        overrides.valid_to as override_valid_to,
        as_of.reference_date
    from overrides
    inner join segmented_entities
        on
            overrides.grain = segmented_entities.grain
            and overrides.entity_id = segmented_entities.entity_id
    cross join as_of
    where
        overrides.valid_from <= as_of.reference_date
        and (overrides.valid_to is null or overrides.valid_to >= as_of.reference_date)
        and overrides.approved_date <= as_of.reference_date
        and nullif(trim(overrides.reason), '') is not null
        and nullif(trim(overrides.approver), '') is not null
)

select * from final
