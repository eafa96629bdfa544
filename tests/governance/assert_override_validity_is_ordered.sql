-- Overrides (seed segment_overrides and accepted disputes,
-- int_segment_overrides_unioned): valid_to, when given, is not before valid_from.
-- Returns the offending overrides.
{{ config(severity='error') }}

select
    override_id,
    valid_from,
    valid_to
from {{ ref('int_segment_overrides_unioned') }}
where valid_to < valid_from
