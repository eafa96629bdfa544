-- Seed segmentation_weights: no negative weight, the weights of each grain sum to 1,
-- and every grain switched on by var segmentation_grains has weights.
-- Returns one row per offending grain.
with

enabled as (
    {{ enabled_grains_query() }}
),

weights as (
    select * from {{ ref('segmentation_weights') }}
),

per_grain as (
    select
        grain,
        sum(weight) as weight_sum,
        count(case when weight < 0 then 1 end) as negative_weight_count
    from weights
    group by grain
),

checked as (
    select
        per_grain.weight_sum,
        per_grain.negative_weight_count,
        coalesce(enabled.grain, per_grain.grain) as grain,
        per_grain.grain is null as lacks_weights
    from enabled
    full outer join per_grain
        on enabled.grain = per_grain.grain
)

select *
from checked
where lacks_weights
    or negative_weight_count > 0
    or abs(weight_sum - 1) > {{ score_tolerance() }}
