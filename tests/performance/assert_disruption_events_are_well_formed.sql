{#
    Every row of seed disruption_events (seeds/performance/disruption_events.csv)
    ends on or after its start and names at least one plant or region;
    otherwise its post-mortem would be empty or its windows inverted. Returns
    one row per faulty event naming it and what is wrong (doc block
    disruption_postmortems).
#}
{{ config(severity='error') }}
with

events as (
    select * from {{ ref('disruption_events') }}
),

checked as (
    select
        event_id,
        case
            when end_date < start_date
                then 'end_date is before start_date'
            when coalesce(trim(affected_plant_ids), '') = '' and coalesce(trim(affected_regions), '') = ''
                then 'names neither affected_plant_ids nor affected_regions'
        end as failure_reason
    from events
)

select
    event_id,
    'seeds/performance/disruption_events.csv, event ' || event_id || ': ' || failure_reason as failure_reason
from checked
where failure_reason is not null
