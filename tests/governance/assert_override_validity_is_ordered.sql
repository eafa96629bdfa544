-- Seed segment_overrides: valid_to, when given, is not before valid_from.
-- Returns the offending overrides.
{{ config(severity='error') }}

select
    override_id,
    valid_from,
    valid_to
from {{ ref('segment_overrides') }}
where valid_to < valid_from
