{#
    Segment churn between consecutive segmentation runs (int_segment_transitions,
    read from the snapshot of published assignments): for each pair of
    consecutive runs, grain and segment an entity was in at the earlier run,
    how many entities there were, how many are still segmented at the later
    run, and how many of those changed segment code or tier.
    churn_share = entities that changed segment code / entities present in
    both runs; run_churn_share the same over all segments of the grain in
    that run (doc block segment_churn_movers). Entities new at the later run
    have no earlier segment and are not counted.
#}
with

transitions as (
    select * from {{ ref('int_segment_transitions') }}
),

churn as (
    select
        grain,
        from_segment_code,
        from_snapshot_at,
        to_snapshot_at,
        max(to_run_id) as to_run_id,
        max(to_reference_date) as to_reference_date,
        count(*) as from_entity_count,
        count(case when is_in_both_runs then 1 end) as continuing_entity_count,
        count(case when not is_in_both_runs then 1 end) as exited_entity_count,
        count(case when is_segment_changed then 1 end) as segment_changed_entity_count,
        count(case when is_service_tier_changed then 1 end) as service_tier_changed_entity_count
    from transitions
    group by grain, from_segment_code, from_snapshot_at, to_snapshot_at
),

with_run_totals as (
    select
        *,
        sum(continuing_entity_count) over (partition by grain, to_snapshot_at) as run_continuing_entity_count,
        sum(segment_changed_entity_count) over (partition by grain, to_snapshot_at)
            as run_segment_changed_entity_count
    from churn
),

final as (
    select
        grain,
        from_segment_code,
        from_snapshot_at,
        to_snapshot_at,
        to_run_id,
        to_reference_date,
        from_entity_count,
        continuing_entity_count,
        exited_entity_count,
        segment_changed_entity_count,
        service_tier_changed_entity_count,
        cast(segment_changed_entity_count as double) / nullif(continuing_entity_count, 0) as churn_share,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        cast(run_continuing_entity_count as bigint) as run_continuing_entity_count,
        cast(run_segment_changed_entity_count as bigint) as run_segment_changed_entity_count,
        cast(run_segment_changed_entity_count as double) / nullif(run_continuing_entity_count, 0) as run_churn_share
    from with_run_totals
)

select * from final
