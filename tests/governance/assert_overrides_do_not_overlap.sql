-- Overrides (seed segment_overrides and accepted disputes,
-- int_segment_overrides_unioned): the validity periods of one entity's overrides do not
-- overlap, so at most one override applies to an entity on any date (an empty
-- valid_to is open-ended). Returns the overlapping pairs.
{{ config(severity='error') }}

with

overrides as (
    select
        override_id,
        grain,
        entity_id,
        valid_from,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to
    from {{ ref('int_segment_overrides_unioned') }}
)

select
    earlier.grain,
    earlier.entity_id,
    earlier.override_id,
    later.override_id as overlapping_override_id
from overrides as earlier
inner join overrides as later
    on
        earlier.grain = later.grain
        and earlier.entity_id = later.entity_id
        and earlier.override_id < later.override_id
        and earlier.valid_from <= later.valid_to
        and earlier.valid_to >= later.valid_from
