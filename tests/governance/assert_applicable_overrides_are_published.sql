-- fct_segment_assignments: every override valid on the reference date (worked out
-- here from the overrides: seed and accepted disputes) whose entity is segmented is the one shown in the audit
-- columns, and the published segment and tier are the forced ones.
{{ config(severity='error') }}

with

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

valid_overrides as (
    select segment_overrides.*
    from {{ ref('int_segment_overrides_unioned') }} as segment_overrides
    cross join reference
    where
        segment_overrides.valid_from <= reference.reference_date
        and coalesce(segment_overrides.valid_to, cast('9999-12-31' as date)) >= reference.reference_date
        and segment_overrides.approved_date <= reference.reference_date
),

assignments as (
    select * from {{ ref('fct_segment_assignments') }}
)

select
    valid_overrides.override_id,
    valid_overrides.grain,
    valid_overrides.entity_id,
    assignments.override_id as published_override_id,
    assignments.final_segment_code,
    assignments.final_service_tier
from valid_overrides
inner join assignments
    on
        valid_overrides.grain = assignments.grain
        and valid_overrides.entity_id = assignments.entity_id
where
    assignments.override_id is distinct from valid_overrides.override_id
    or assignments.final_segment_code <> valid_overrides.forced_segment_code
    or assignments.final_service_tier <> coalesce(valid_overrides.forced_service_tier, assignments.final_service_tier)
