{#
    The top movers of every run: per grain and pair of consecutive runs, the
    entities whose segment code changed, ranked by the value of their ABC
    measure at the later run (the earlier one when they left), largest first,
    ties by entity id; the top var segment_churn_top_movers are kept
    (doc block segment_churn_movers).
#}
with

transitions as (
    select * from {{ ref('int_segment_transitions') }}
    where is_segment_changed
),

ranked as (
    select
        *,
        row_number() over (
            partition by grain, to_snapshot_at
            order by {{ comparable('abc_measure_value') }} desc nulls last, entity_id
        ) as mover_rank
    from transitions
),

final as (
    select
        grain,
        from_snapshot_at,
        to_snapshot_at,
        to_run_id,
        to_reference_date,
        mover_rank,
        entity_id,
        from_segment_code,
        to_segment_code,
        from_service_tier,
        to_service_tier,
        abc_measure,
        abc_measure_value,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from ranked
    where mover_rank <= {{ sql_number_var('segment_churn_top_movers') }}
)

select * from final
