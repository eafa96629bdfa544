-- Seed governance_approvals: the configuration version this run is (var
-- governance_config_version) has an approval. Warning only: an unapproved
-- version may be built and reviewed, but should not be published.
-- Returns the running version when no approval names it.
{{ config(severity='warn') }}

with

running as (
    select {{ sql_text_var('governance_config_version') }} as config_version
),

approvals as (
    select config_version from {{ ref('governance_approvals') }}
)

select running.config_version
from running
left join approvals
    on running.config_version = approvals.config_version
where approvals.config_version is null
