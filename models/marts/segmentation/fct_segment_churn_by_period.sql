{#
    Segment churn per grain and fiscal period: the runs whose reference date
    falls in a month period of the reporting calendar, added up - entities
    segmented in both runs of a pair and entities whose segment code changed,
    each counted once per period however many runs moved them, and the share
    that changed (doc block segment_churn_movers). Runs that only closed
    versions have no reference date and are not placed in a period.
#}
with

transitions as (
    select * from {{ ref('int_segment_transitions') }}
    where to_reference_date is not null
),

fiscal_periods as (
    select * from {{ ref('int_fiscal_periods') }}
    where calendar_id = 'REPORTING'
        and period_type = 'month'
),

placed as (
    select
        transitions.grain,
        transitions.entity_id,
        transitions.to_snapshot_at,
        transitions.is_in_both_runs,
        transitions.is_segment_changed,
        fiscal_periods.period_key as fiscal_period_key,
        fiscal_periods.period_start_date,
        fiscal_periods.period_end_date
    from transitions
    inner join fiscal_periods
        on transitions.to_reference_date between fiscal_periods.period_start_date and fiscal_periods.period_end_date
),

final as (
    select
        grain,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        count(distinct to_snapshot_at) as run_count,
        count(distinct case when is_in_both_runs then entity_id end) as continuing_entity_count,
        count(distinct case when is_segment_changed then entity_id end) as segment_changed_entity_count,
        cast(count(distinct case when is_segment_changed then entity_id end) as double)
        / nullif(count(distinct case when is_in_both_runs then entity_id end), 0) as churn_share,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from placed
    group by grain, fiscal_period_key, period_start_date, period_end_date
)

select * from final
