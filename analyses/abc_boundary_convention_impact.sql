-- How many entities per grain change ABC class between the two boundary conventions
-- (crossing item in the lower vs the upper class). Compile with `dbt compile` and run
-- the SQL in target/compiled, or paste it into a DuckDB shell on build/dev.duckdb.
with

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
),

final as (
    select
        grain,
        abc_class_crossing_item_lower,
        abc_class_crossing_item_upper,
        count(*) as entity_count,
        sum(measure_value) as measure_value
    from abc
    group by grain, abc_class_crossing_item_lower, abc_class_crossing_item_upper
)

select * from final
order by grain, abc_class_crossing_item_lower, abc_class_crossing_item_upper
