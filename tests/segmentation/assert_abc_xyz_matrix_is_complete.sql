-- Seed abc_xyz_segments: every combination of an ABC class (seed abc_thresholds) and an
-- XYZ class (X, Y, Z) has a segment, and each segment code is the ABC class followed by
-- the XYZ class. Returns the missing cells and the inconsistent codes.
with

abc_classes as (
    select distinct abc_class from {{ ref('abc_thresholds') }}
),

xyz_classes as (
    select 'X' as xyz_class
    union all
    select 'Y' as xyz_class
    union all
    select 'Z' as xyz_class
),

segments as (
    select * from {{ ref('abc_xyz_segments') }}
),

missing_cells as (
    select
        abc_classes.abc_class,
        xyz_classes.xyz_class,
        cast(null as varchar) as segment_code,
        'no segment for this cell' as problem
    from abc_classes
    cross join xyz_classes
    left join segments
        on abc_classes.abc_class = segments.abc_class
            and xyz_classes.xyz_class = segments.xyz_class
    where segments.segment_code is null
),

inconsistent_codes as (
    select
        abc_class,
        xyz_class,
        segment_code,
        'segment_code is not abc_class || xyz_class' as problem
    from segments
    where segment_code <> abc_class || xyz_class
)

select * from missing_cells
union all
select * from inconsistent_codes
