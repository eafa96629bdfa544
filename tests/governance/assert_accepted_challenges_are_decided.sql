-- Governance input segment_challenges: an accepted dispute names who decided
-- and when (decided_by, decided_date); without them it cannot become an
-- override (no approver, no approval date) and the build stops here instead of
-- silently ignoring the acceptance. Returns the offending disputes.
{{ config(severity='error') }}

select
    challenge_id,
    grain,
    entity_id,
    source_file,
    source_row_number
from {{ ref('stg_governance__segment_challenges') }}
where
    rejection_reason is null
    and status = 'accepted'
    and (nullif(trim(decided_by), '') is null or decided_date is null)
