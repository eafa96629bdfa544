-- Seed segment_overrides: every override names a reason and an approver (empty
-- or blank fails). An unexplained or unapproved override stops the build.
-- Returns the offending overrides.
{{ config(severity='error') }}

select
    override_id,
    grain,
    entity_id,
    nullif(trim(reason), '') is null as lacks_reason,
    nullif(trim(approver), '') is null as lacks_approver
from {{ ref('segment_overrides') }}
where
    nullif(trim(reason), '') is null
    or nullif(trim(approver), '') is null
