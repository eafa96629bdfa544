{#
    One row per segment code published in this run (int_segment_assignments_final,
    any grain) and KPI (seed kpi_definitions): the target of seed kpi_targets that applies, the row for
    the segment code itself winning over the '*' row for any segment
    (doc block kpi_targets). A KPI without a target row for a segment has a
    null target; its rows then show no attainment.
#}
with

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
),

segments as (
    select distinct final_segment_code as segment_code
    from assignments
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

targets as (
    select * from {{ ref('kpi_targets') }}
),

combinations as (
    select
        segments.segment_code,
        definitions.kpi_name,
        definitions.kpi_family,
        definitions.better_direction,
        definitions.applies_to_grains,
        definitions.root_cause_measure
    from segments
    cross join definitions
),

final as (
    select
        combinations.segment_code,
        combinations.kpi_name,
        combinations.kpi_family,
        combinations.better_direction,
        combinations.applies_to_grains,
        combinations.root_cause_measure,
        coalesce(segment_targets.target_value, any_segment_targets.target_value) as target_value,
        case
            when segment_targets.target_value is not null then 'segment'
            when any_segment_targets.target_value is not null then 'any_segment'
        end as target_source
    from combinations
    left join targets as segment_targets
        on combinations.segment_code = segment_targets.segment_code
            and combinations.kpi_name = segment_targets.kpi_name
    left join targets as any_segment_targets
        on any_segment_targets.segment_code = '*'
            and combinations.kpi_name = any_segment_targets.kpi_name
)

select * from final
