-- Seed multi_criteria_abc: every grain switched on by var segmentation_grains has a row, its
-- primary measure is the grain's ABC measure (seed abc_measures; the first letter is the ABC
-- class), and the secondary measure differs from the primary one. Returns the offending grains.
with

enabled as (
    {{ enabled_grains_query() }}
),

multi_criteria as (
    select * from {{ ref('multi_criteria_abc') }}
),

abc_measures as (
    select * from {{ ref('abc_measures') }}
)

select
    enabled.grain,
    multi_criteria.primary_measure,
    multi_criteria.secondary_measure,
    abc_measures.measure as abc_measure
from enabled
left join multi_criteria
    on enabled.grain = multi_criteria.grain
left join abc_measures
    on enabled.grain = abc_measures.grain
where multi_criteria.grain is null
    or multi_criteria.primary_measure is distinct from abc_measures.measure
    or multi_criteria.secondary_measure = multi_criteria.primary_measure
