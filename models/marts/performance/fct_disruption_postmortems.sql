{#
    Disruption post-mortems: for every event of seed disruption_events, the
    service KPIs and volume of each segment the event hit, before, during and
    after it, on the lines the event hit and on the segment's other lines,
    with the segments hit hardest first (impact_rank;
    int_disruption_impacts_ranked, doc block disruption_postmortems).
#}
with

impacts as (
    select * from {{ ref('int_disruption_impacts_ranked') }}
),

final as (
    select
        event_id,
        description,
        kind,
        affected_plant_ids,
        affected_regions,
        event_start_date,
        event_end_date,
        before_start_date,
        after_end_date,
        event_days,
        comparison_window_days,
        grain,
        segment_code,
        scope,
        impact_rank,
        line_count_before,
        line_count_during,
        line_count_after,
        revenue_rep_ccy_before,
        revenue_rep_ccy_during,
        revenue_rep_ccy_after,
        on_time_rate_before,
        on_time_rate_during,
        on_time_rate_after,
        otif_rate_before,
        otif_rate_during,
        otif_rate_after,
        line_fill_rate_before,
        line_fill_rate_during,
        line_fill_rate_after,
        on_time_rate_change_during,
        on_time_rate_change_after,
        otif_rate_change_during,
        otif_rate_change_after,
        line_fill_rate_change_during,
        line_fill_rate_change_after,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from impacts
)

select * from final
order by event_id, grain, impact_rank, scope
