-- Overrides (seed segment_overrides and accepted disputes,
-- int_segment_overrides_unioned): an override valid on the reference date (int_reference_date) names an entity
-- segmented in this run. Warning only: the entity may simply have no sales in
-- the window (or var customer_grain changed the customer ids); the override then
-- does nothing and should be reviewed.
{{ config(severity='warn') }}

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
)

select
    valid_overrides.override_id,
    valid_overrides.grain,
    valid_overrides.entity_id
from valid_overrides
left join {{ ref('int_segment_assignments_algorithmic') }} as assignments
    on
        valid_overrides.grain = assignments.grain
        and valid_overrides.entity_id = assignments.entity_id
where assignments.entity_id is null
