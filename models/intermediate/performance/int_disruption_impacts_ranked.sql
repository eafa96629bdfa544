{#
    One row per disruption event, grain, hit segment and scope (affected,
    unaffected): the window KPIs of int_disruption_segment_kpis side by side
    (before, during, after), their changes against the window before, and the
    rank of the segment within the event and grain, hardest hit first: the
    largest OTIF drop during the event on its affected lines (then on-time,
    then line fill drop; segments without a comparable OTIF last; ties by
    segment code). Both scopes of a segment carry its rank. Doc block
    disruption_postmortems.
#}
{%- set windows = ['before', 'during', 'after'] -%}
{%- set measures = [
    'line_count', 'revenue_rep_ccy', 'on_time_rate', 'otif_rate', 'line_fill_rate'
] -%}
{%- set rates = ['on_time_rate', 'otif_rate', 'line_fill_rate'] -%}
with

segment_kpis as (
    select * from {{ ref('int_disruption_segment_kpis') }}
),

windows as (
    select * from {{ ref('int_disruption_windows') }}
),

events as (
    select
        event_id,
        description,
        kind,
        affected_plant_ids,
        affected_regions,
        event_start_date,
        event_end_date,
        max(case when window_name = 'before' then window_start_date end) as before_start_date,
        max(case when window_name = 'after' then window_end_date end) as after_end_date,
        max(case when window_name = 'during' then window_days end) as event_days,
        max(case when window_name = 'before' then window_days end) as comparison_window_days
    from windows
    group by 1, 2, 3, 4, 5, 6, 7
),

side_by_side as (
    select
        event_id,
        grain,
        segment_code,
        scope,
        {%- for measure in measures %}
            {%- set last_measure = loop.last %}
            {%- for window in windows %}
                max(case when window_name = '{{ window }}' then {{ measure }} end)
                    as {{ measure }}_{{ window }}{% if not (last_measure and loop.last) %},{% endif %}
            {%- endfor %}
        {%- endfor %}
    from segment_kpis
    group by 1, 2, 3, 4
),

changes as (
    select
        *,
        {%- for rate in rates %}
            {{ rate }}_during - {{ rate }}_before as {{ rate }}_change_during,
            {{ rate }}_after - {{ rate }}_before as {{ rate }}_change_after{% if not loop.last %},{% endif %}
        {%- endfor %}
    from side_by_side
),

ranks as (
    select
        event_id,
        grain,
        segment_code,
        row_number() over (
            partition by event_id, grain
            order by
                {{ comparable('otif_rate_change_during') }} asc nulls last,
                {{ comparable('on_time_rate_change_during') }} asc nulls last,
                {{ comparable('line_fill_rate_change_during') }} asc nulls last,
                segment_code asc
        ) as impact_rank
    from changes
    where scope = 'affected'
),

final as (
    select
        changes.event_id,
        events.description,
        events.kind,
        events.affected_plant_ids,
        events.affected_regions,
        events.event_start_date,
        events.event_end_date,
        events.before_start_date,
        events.after_end_date,
        events.event_days,
        events.comparison_window_days,
        changes.grain,
        changes.segment_code,
        changes.scope,
        ranks.impact_rank,
        {%- for measure in measures %}
            {%- for window in windows %}
                changes.{{ measure }}_{{ window }},
            {%- endfor %}
        {%- endfor %}
        {%- for rate in rates %}
            changes.{{ rate }}_change_during,
            changes.{{ rate }}_change_after{% if not loop.last %},{% endif %}
        {%- endfor %}
    from changes
    inner join events
        on changes.event_id = events.event_id
    inner join ranks
        on changes.event_id = ranks.event_id
            and changes.grain = ranks.grain
            and changes.segment_code = ranks.segment_code
)

select * from final
