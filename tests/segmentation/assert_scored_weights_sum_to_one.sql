-- int_segment_entities_scored: for every scored entity the weights applied are positive,
-- sum to 1 and belong exactly to the dimensions listed in dimensions_used, and the weighted
-- score lies in [0, 1]. Returns the offending entities.
{%- set dimensions = scoring_dimensions() %}
with

scored as (
    select * from {{ ref('int_segment_entities_scored') }}
),

checked as (
    select
        grain,
        entity_id,
        dimensions_used,
        weighted_score,
        (
            {%- for dimension in dimensions %}
                coalesce({{ dimension }}_weight, 0){% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as weight_sum,
        concat_ws(
            ',',
            {%- for dimension in dimensions %}
                case when {{ dimension }}_weight > 0 then '{{ dimension }}' end{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as dimensions_with_weight
    from scored
)

select *
from checked
where (weighted_score is not null and abs(weight_sum - 1) > {{ score_tolerance() }})
    or (weighted_score is null and weight_sum <> 0)
    or coalesce(dimensions_used, '') <> dimensions_with_weight
    or weighted_score < 0
    or weighted_score > 1 + {{ score_tolerance() }}
