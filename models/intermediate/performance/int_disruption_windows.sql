{#
    One row per disruption event of seed disruption_events and window: the
    event itself (during) and the windows just before and just after it, each
    var disruption_comparison_days long (0: as long as the event, so the three
    windows have equal length), and whether the window is over by the run's
    reference date (a window still running has fewer lines). Doc block
    disruption_postmortems.
#}
with

events as (
    select * from {{ ref('disruption_events') }}
),

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

lengths as (
    select
        event_id,
        description,
        kind,
        affected_plant_ids,
        affected_regions,
        start_date,
        end_date,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as event_days,
        case
            when {{ sql_number_var('disruption_comparison_days') }} = 0
                then {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1
            else {{ sql_number_var('disruption_comparison_days') }}
        end as comparison_days
    from events
),

windows as (
    select
        event_id,
        'before' as window_name,
        1 as window_order,
        cast({{ dbt.dateadd('day', '-1 * comparison_days', 'start_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('day', -1, 'start_date') }} as date) as window_end_date
    from lengths
    union all
    select
        event_id,
        'during' as window_name,
        2 as window_order,
        start_date as window_start_date,
        end_date as window_end_date
    from lengths
    union all
    select
        event_id,
        'after' as window_name,
        3 as window_order,
        cast({{ dbt.dateadd('day', 1, 'end_date') }} as date) as window_start_date,
        cast({{ dbt.dateadd('day', 'comparison_days', 'end_date') }} as date) as window_end_date
    from lengths
),

final as (
    select
        windows.event_id,
        lengths.description,
        lengths.kind,
        lengths.affected_plant_ids,
        lengths.affected_regions,
        lengths.start_date as event_start_date,
        lengths.end_date as event_end_date,
        windows.window_name,
        windows.window_order,
        windows.window_start_date,
        windows.window_end_date,
        {{ dbt.datediff('windows.window_start_date', 'windows.window_end_date', 'day') }} + 1 as window_days,
        windows.window_end_date <= reference.reference_date as is_window_complete
    from windows
    inner join lengths
        on windows.event_id = lengths.event_id
    cross join reference
)

select * from final
