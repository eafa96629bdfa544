{#
    One row per grain and entity: the measures behind the demand pattern
    (ADI, CV² of the non-zero demands) and the XYZ class (CV), with the
    Syntetos-Boylan-Croston cut-offs of seed demand_pattern_cutoffs this run
    classified on, so readers can draw the ADI vs CV² plane with the cut-offs
    the build used (doc block demand_patterns).
#}
with

classified as (
    select * from {{ ref('int_segment_entities_variability_classified') }}
),

cutoffs as (
    select * from {{ ref('demand_pattern_cutoffs') }}
),

cutoff_values as (
    select
        max(value) filter (where parameter = 'adi_cutoff') as adi_cutoff,
        max(value) filter (where parameter = 'cv_squared_cutoff') as cv_squared_cutoff
    from cutoffs
),

final as (
    select
        cast(classified.grain as varchar) as grain,
        cast(classified.entity_id as varchar) as entity_id,
        cast(classified.demand_pattern as varchar) as demand_pattern,
        cast(classified.xyz_class as varchar) as xyz_class,
        cast(classified.lifecycle_status as varchar) as lifecycle_status,
        cast(classified.is_new_entity as boolean) as is_new_entity,
        cast(classified.demand_period_count as bigint) as demand_period_count,
        cast(classified.history_period_count as bigint) as history_period_count,
        cast(classified.average_demand_interval as double) as average_demand_interval,
        cast(classified.cv_squared_nonzero as double) as cv_squared_nonzero,
        cast(classified.coefficient_of_variation as double) as coefficient_of_variation,
        cast(cutoff_values.adi_cutoff as double) as adi_cutoff,
        cast(cutoff_values.cv_squared_cutoff as double) as cv_squared_cutoff,
        cast(classified.adi_window as varchar) as adi_window,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from classified
    cross join cutoff_values
)

select * from final
