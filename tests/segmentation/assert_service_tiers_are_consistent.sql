-- Seed service_tiers: per grain the tiers are numbered 1, 2, 3, ... without gaps, min_score
-- lies in [0, 1] and falls strictly as the tier number rises, the lowest tier starts at 0
-- (so every score has a tier), and every grain switched on by var segmentation_grains has tiers.
-- Returns the offending rows.
with

enabled as (
    {{ enabled_grains_query() }}
),

tiers as (
    select
        grain,
        service_tier,
        min_score,
        lag(min_score) over (partition by grain order by service_tier) as better_tier_min_score,
        row_number() over (partition by grain order by service_tier) as tier_position,
        max(service_tier) over (partition by grain) as lowest_tier
    from {{ ref('service_tiers') }}
),

offending_tiers as (
    select
        grain,
        service_tier,
        min_score,
        'tier numbers have a gap' as problem
    from tiers
    where service_tier <> tier_position
    union all
    select
        grain,
        service_tier,
        min_score,
        'min_score outside [0, 1]' as problem
    from tiers
    where min_score < 0 or min_score > 1
    union all
    select
        grain,
        service_tier,
        min_score,
        'min_score does not fall as the tier number rises' as problem
    from tiers
    where min_score >= better_tier_min_score
    union all
    select
        grain,
        service_tier,
        min_score,
        'lowest tier does not start at 0' as problem
    from tiers
    where service_tier = lowest_tier and min_score <> 0
),

missing_grains as (
    select
        enabled.grain,
        cast(null as integer) as service_tier,
        cast(null as double) as min_score,
        'grain has no tiers' as problem
    from enabled
    where enabled.grain not in (select tiers.grain from tiers)
)

select * from offending_tiers
union all
select * from missing_grains
