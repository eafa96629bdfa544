{#
    The demand series of every grain and entity with the periods without
    demand filled with 0: one row per entity and analysis period from the
    start of its series to the last period N of the window. The series starts
    as var adi_window says:
      between_demands,   the entity's first period with demand > 0 (an entity
      from_first_demand  without any starts at its first period with a line,
                         for example a return);
      whole_window       the first period of the window.
    Where the series ends (the last demand under between_demands, for
    example) is decided by int_segment_entities_variability_classified. See
    the doc block demand_patterns.
#}
with

demand as (
    select * from {{ ref('int_demand_by_period') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

window_bounds as (
    select min(window_period_number) as first_window_period_number
    from periods
),

entity_periods as (
    select
        grain,
        entity_id,
        min(case when demand_quantity > 0 then window_period_number end) as first_demand_period_number,
        min(window_period_number) as first_line_period_number
    from demand
    group by grain, entity_id
),

series_starts as (
    select
        entity_periods.grain,
        entity_periods.entity_id,
        {%- if adi_window() in ['between_demands', 'from_first_demand'] %}
            coalesce(entity_periods.first_demand_period_number, entity_periods.first_line_period_number)
        {%- else %}
            window_bounds.first_window_period_number
        {%- endif %} as series_start_period_number
    from entity_periods
    cross join window_bounds
),

filled as (
    select
        series_starts.grain,
        series_starts.entity_id,
        periods.window_period_number,
        coalesce(demand.demand_quantity, 0) as demand_quantity
    from series_starts
    inner join periods
        on series_starts.series_start_period_number <= periods.window_period_number
    left join demand
        on series_starts.grain = demand.grain
            and series_starts.entity_id = demand.entity_id
            and periods.window_period_number = demand.window_period_number
),

final as (
    select
        grain,
        entity_id,
        window_period_number,
        demand_quantity,
        demand_quantity > 0 as is_demand_period
    from filled
)

select * from final
