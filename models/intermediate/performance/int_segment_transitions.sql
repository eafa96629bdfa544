{#
    One row per pair of consecutive segmentation runs and entity segmented at
    the earlier run, read from the snapshot of published assignments
    (snapshot segment_assignments): its segment and tier at both runs (null
    at the later run when it is no longer segmented), whether it changed, and
    the value of its ABC measure. A run is a point in time at which the
    snapshot opened or closed a version; a run that changed nothing opens no
    version and is not seen. fct_segment_churn, fct_segment_churn_by_period
    and fct_segment_movers add these up (doc block segment_churn_movers).
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
        history.final_service_tier,
        history.abc_measure,
        history.abc_measure_value
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
        history.final_service_tier,
        history.abc_measure,
        history.abc_measure_value
    from run_pairs
    inner join history
        on
            run_pairs.to_snapshot_at >= history.dbt_valid_from
            and (history.dbt_valid_to is null or run_pairs.to_snapshot_at < history.dbt_valid_to)
    where run_pairs.from_snapshot_at is not null
),

final as (
    select
        from_states.from_snapshot_at,
        from_states.to_snapshot_at,
        runs_opened.run_id as to_run_id,
        runs_opened.reference_date as to_reference_date,
        from_states.grain,
        from_states.entity_id,
        from_states.final_segment_code as from_segment_code,
        to_states.final_segment_code as to_segment_code,
        from_states.final_service_tier as from_service_tier,
        to_states.final_service_tier as to_service_tier,
        coalesce(to_states.abc_measure, from_states.abc_measure) as abc_measure,
        coalesce(to_states.abc_measure_value, from_states.abc_measure_value) as abc_measure_value,
        to_states.entity_id is not null as is_in_both_runs,
        coalesce(from_states.final_segment_code <> to_states.final_segment_code, false) as is_segment_changed,
        coalesce(from_states.final_service_tier <> to_states.final_service_tier, false) as is_service_tier_changed
    from from_states
    left join to_states
        on
            from_states.to_snapshot_at = to_states.to_snapshot_at
            and from_states.grain = to_states.grain
            and from_states.entity_id = to_states.entity_id
    left join runs_opened
        on from_states.to_snapshot_at = runs_opened.snapshot_at
)

select * from final
