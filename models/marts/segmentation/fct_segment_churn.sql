{#
    Segment churn between consecutive segmentation runs, read from the
    snapshot of published assignments (snapshot segment_assignments). A run is
    a point in time at which the snapshot opened or closed a version; for each
    pair of consecutive runs, grain and segment an entity was in at the
    earlier run: how many entities there were, how many are still segmented
    at the later run, and how many of those changed segment code or tier.
    churn_share = entities that changed segment code / entities present in
    both runs. Entities new at the later run have no earlier segment and are
    not counted. A run that changed nothing opens no version and is not seen.
#}
with

history as (
    select * from {{ ref('segment_assignments') }}
),

run_times as (
    select dbt_valid_from as snapshot_at from history
    union
    select dbt_valid_to as snapshot_at from history
    where dbt_valid_to is not null
),

run_pairs as (
    select
        snapshot_at as to_snapshot_at,
        lag(snapshot_at) over (order by snapshot_at) as from_snapshot_at
    from run_times
),

runs_opened as (
    -- Run id and as-of date of the run that opened versions at a point in time.
    select
        dbt_valid_from as snapshot_at,
        max(run_id) as run_id,
        max(reference_date) as reference_date
    from history
    group by dbt_valid_from
),

from_states as (
    select
        run_pairs.from_snapshot_at,
        run_pairs.to_snapshot_at,
        history.grain,
        history.entity_id,
        history.final_segment_code,
        history.final_service_tier
    from run_pairs
    inner join history
        on
            run_pairs.from_snapshot_at >= history.dbt_valid_from
            and (history.dbt_valid_to is null or run_pairs.from_snapshot_at < history.dbt_valid_to)
    where run_pairs.from_snapshot_at is not null
),

to_states as (
    select
        run_pairs.to_snapshot_at,
        history.grain,
        history.entity_id,
        history.final_segment_code,
        history.final_service_tier
    from run_pairs
    inner join history
        on
            run_pairs.to_snapshot_at >= history.dbt_valid_from
            and (history.dbt_valid_to is null or run_pairs.to_snapshot_at < history.dbt_valid_to)
    where run_pairs.from_snapshot_at is not null
),

transitions as (
    select
        from_states.from_snapshot_at,
        from_states.to_snapshot_at,
        from_states.grain,
        from_states.entity_id,
        from_states.final_segment_code as from_segment_code,
        to_states.entity_id is not null as is_in_both_runs,
        coalesce(from_states.final_segment_code <> to_states.final_segment_code, false) as is_segment_changed,
        coalesce(from_states.final_service_tier <> to_states.final_service_tier, false) as is_service_tier_changed
    from from_states
    left join to_states
        on
            from_states.to_snapshot_at = to_states.to_snapshot_at
            and from_states.grain = to_states.grain
            and from_states.entity_id = to_states.entity_id
),

churn as (
    select
        grain,
        from_segment_code,
        from_snapshot_at,
        to_snapshot_at,
        count(*) as from_entity_count,
        count(case when is_in_both_runs then 1 end) as continuing_entity_count,
        count(case when not is_in_both_runs then 1 end) as exited_entity_count,
        count(case when is_segment_changed then 1 end) as segment_changed_entity_count,
        count(case when is_service_tier_changed then 1 end) as service_tier_changed_entity_count
    from transitions
    group by grain, from_segment_code, from_snapshot_at, to_snapshot_at
),

final as (
    select
        churn.grain,
        churn.from_segment_code,
        churn.from_snapshot_at,
        churn.to_snapshot_at,
        runs_opened.run_id as to_run_id,
        runs_opened.reference_date as to_reference_date,
        churn.from_entity_count,
        churn.continuing_entity_count,
        churn.exited_entity_count,
        churn.segment_changed_entity_count,
        churn.service_tier_changed_entity_count,
        cast(churn.segment_changed_entity_count as double)
        / nullif(churn.continuing_entity_count, 0) as churn_share,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from churn
    left join runs_opened
        on churn.to_snapshot_at = runs_opened.snapshot_at
)

select * from final
