-- Every grain switched on by var segmentation_grains has an ABC measure and thresholds.
with

enabled as (
    {{ enabled_grains_query() }}
),

measures as (
    select grain from {{ ref('abc_measures') }}
),

thresholds as (
    select distinct grain from {{ ref('abc_thresholds') }}
)

select
    enabled.grain,
    measures.grain is null as lacks_abc_measure,
    thresholds.grain is null as lacks_abc_thresholds
from enabled
left join measures on enabled.grain = measures.grain
left join thresholds on enabled.grain = thresholds.grain
where measures.grain is null or thresholds.grain is null
