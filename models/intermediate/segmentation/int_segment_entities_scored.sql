{#
    Weighted multi-dimensional score, service tier and multi-criteria ABC
    class per grain and entity (doc blocks weighted_score, service_tiers and
    multi_criteria_abc).
      1. Raw dimensions: value = ABC measure value; service_sensitivity =
         short-lead-time line share; forecastability = coefficient of
         variation (not for entities whose XYZ class is provisional);
         geography = revenue-weighted country risk factor. With time decay
         on (var decay_half_life_periods), value and CV are the decayed
         ones, as the ABC and XYZ classes are.
      2. Each is normalized to 0..1 within the grain by mid_rank_percentile()
         (lower CV scores higher).
      3. Weights from seed segmentation_weights; a dimension without a value
         for the entity (or with weight 0) is left out and the remaining
         weights are divided by their sum, so they add up to 1 again.
      4. service_tier: the best tier of seed service_tiers whose min_score the
         score reaches; null when no dimension could be computed.
      5. multi_criteria_class: the ABC class followed by the class on the
         secondary measure of seed multi_criteria_abc, ranked with the same
         macros and thresholds as ABC.
    Spine step 3: the value spine (int_segment_entities_abc_classified, which
    carries the measures) meets its two side branches, the demand shape
    (int_segment_entities_variability_classified) and the service profile
    (int_segment_entity_service_profiles). Every column a later step or a
    segment dim needs is carried forward from here (doc block
    segmentation_spine).
#}
{%- set dimensions = scoring_dimensions() -%}
{%- set decay_on = decay_is_on() -%}
with

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
),

variability as (
    select * from {{ ref('int_segment_entities_variability_classified') }}
),

profiles as (
    select * from {{ ref('int_segment_entity_service_profiles') }}
),

weights as (
    select * from {{ ref('segmentation_weights') }}
),

tiers as (
    select * from {{ ref('service_tiers') }}
),

multi_criteria as (
    select * from {{ ref('multi_criteria_abc') }}
),

thresholds as (
    select * from {{ ref('abc_thresholds') }}
),

secondary_values as (
    select
        abc.grain,
        abc.entity_id,
        multi_criteria.secondary_measure,
        {{ abc_measure_value('multi_criteria.secondary_measure', decayed=decay_on) }} as secondary_measure_value
    from abc
    inner join multi_criteria
        on abc.grain = multi_criteria.grain
),

secondary_classified as (
    {{ abc_classes_for_measure('secondary_values', 'secondary_measure_value', 'thresholds') }}
),

dimensions_raw as (
    select
        abc.grain,
        abc.entity_id,
        abc.abc_class,
        abc.measure_used,
        abc.measure_rank,
        abc.measure_value as abc_measure_value,
        abc.measure_fallback_reason as abc_measure_fallback_reason,
        abc.cumulative_share as abc_cumulative_share,
        abc.is_non_positive_contributor,
        abc.revenue_rep_ccy,
        abc.gross_margin_rep_ccy,
        abc.volume_quantity,
        abc.order_line_count,
        variability.xyz_class,
        variability.coefficient_of_variation,
        variability.demand_pattern,
        variability.lifecycle_status,
        variability.is_new_entity,
        variability.is_provisional,
        -- The CV that decided the XYZ class: the decayed one when decay is on (xyz_class follows it).
        variability.xyz_class_decayed is not null as is_xyz_class_decayed,
        case
            when variability.xyz_class_decayed is not null then variability.coefficient_of_variation_decayed
            else variability.coefficient_of_variation
        end as deciding_coefficient_of_variation,
        profiles.is_key_account,
        profiles.has_service_clause,
        profiles.global_account_id,
        profiles.business_unit_count,
        profiles.erp_customer_count,
        profiles.sales_region,
        profiles.product_name,
        profiles.product_family,
        profiles.unit_of_measure,
        profiles.lead_time_days,
        {%- if decay_on %}
            abc.measure_value_decayed as value_raw,
        {%- else %}
            abc.measure_value as value_raw,
        {%- endif %}
        profiles.short_lead_time_line_share as service_sensitivity_raw,
        profiles.geography_risk_factor as geography_raw,
        case
            {%- if decay_on %}
                when not variability.is_provisional then variability.coefficient_of_variation_decayed
            {%- else %}
                when not variability.is_provisional then variability.coefficient_of_variation
            {%- endif %}
        end as forecastability_raw
    from abc
    left join profiles
        on abc.grain = profiles.grain
            and abc.entity_id = profiles.entity_id
    left join variability
        on abc.grain = variability.grain
            and abc.entity_id = variability.entity_id
),

normalized as (
    select
        *,
        {{ mid_rank_percentile('value_raw', 'grain') }} as value_score,
        {{ mid_rank_percentile('service_sensitivity_raw', 'grain') }} as service_sensitivity_score,
        {{ mid_rank_percentile('forecastability_raw', 'grain', higher_is_better=false) }} as forecastability_score,
        {{ mid_rank_percentile('geography_raw', 'grain') }} as geography_score
    from dimensions_raw
),

configured_weights as (
    select
        grain,
        {%- for dimension in dimensions %}
            sum(case when dimension = '{{ dimension }}' then weight else 0 end) as {{ dimension }}_weight_configured,
        {%- endfor %}
        count(*) as configured_dimension_count
    from weights
    group by grain
),

available_weights as (
    select
        normalized.*,
        {%- for dimension in dimensions %}
            case
                when normalized.{{ dimension }}_score is not null
                    then coalesce(configured_weights.{{ dimension }}_weight_configured, 0)
                else 0
            end as {{ dimension }}_weight_available,
        {%- endfor %}
        concat_ws(
            ',',
            {%- for dimension in dimensions %}
                case
                    when configured_weights.{{ dimension }}_weight_configured > 0
                        and normalized.{{ dimension }}_score is null
                        then '{{ dimension }}'
                end{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as dimensions_missing_list
    from normalized
    left join configured_weights
        on normalized.grain = configured_weights.grain
),

available_totals as (
    select
        *,
        (
            {%- for dimension in dimensions %}
                {{ dimension }}_weight_available{% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as weight_available_total
    from available_weights
),

weighted as (
    select
        *,
        {%- for dimension in dimensions %}
            case
                when {{ dimension }}_weight_available > 0
                    then {{ dimension }}_weight_available / weight_available_total
            end as {{ dimension }}_weight,
        {%- endfor %}
        nullif(concat_ws(
            ',',
            {%- for dimension in dimensions %}
                case
                    when {{ dimension }}_weight_available > 0 then '{{ dimension }}'
                end{% if not loop.last %},{% endif %}
            {%- endfor %}
        ), '') as dimensions_used,
        nullif(dimensions_missing_list, '') as dimensions_missing
    from available_totals
),

scored as (
    select
        *,
        case
            when dimensions_used is not null then (
                {%- for dimension in dimensions %}
                    coalesce({{ dimension }}_weight * {{ dimension }}_score, 0){% if not loop.last %} +{% endif %}
                {%- endfor %}
            )
        end as weighted_score
    from weighted
),

tier_reached as (
    select
        scored.grain,
        scored.entity_id,
        min(tiers.service_tier) as service_tier
    from scored
    inner join tiers
        on scored.grain = tiers.grain
            and scored.weighted_score >= tiers.min_score - {{ score_tolerance() }}
    group by scored.grain, scored.entity_id
),

final as (
    select
        scored.grain,
        scored.entity_id,
        scored.abc_class,
        scored.measure_used,
        scored.measure_rank,
        scored.value_raw,
        scored.service_sensitivity_raw,
        scored.forecastability_raw,
        scored.geography_raw,
        scored.value_score,
        scored.service_sensitivity_score,
        scored.forecastability_score,
        scored.geography_score,
        scored.value_weight,
        scored.service_sensitivity_weight,
        scored.forecastability_weight,
        scored.geography_weight,
        scored.dimensions_used,
        scored.dimensions_missing,
        scored.weighted_score,
        tier_reached.service_tier,
        tiers.tier_name,
        multi_criteria.primary_measure as multi_criteria_configured_primary_measure,
        secondary_values.secondary_measure as multi_criteria_secondary_measure,
        secondary_classified.measure_value as secondary_measure_value,
        secondary_classified.measure_rank as secondary_measure_rank,
        secondary_classified.abc_class as secondary_abc_class,
        scored.abc_measure_value,
        scored.abc_measure_fallback_reason,
        scored.abc_cumulative_share,
        scored.is_non_positive_contributor,
        scored.revenue_rep_ccy,
        scored.gross_margin_rep_ccy,
        scored.volume_quantity,
        scored.order_line_count,
        scored.xyz_class,
        scored.coefficient_of_variation,
        scored.demand_pattern,
        scored.lifecycle_status,
        scored.is_new_entity,
        scored.is_provisional,
        scored.is_xyz_class_decayed,
        scored.deciding_coefficient_of_variation,
        scored.is_key_account,
        scored.has_service_clause,
        scored.global_account_id,
        scored.business_unit_count,
        scored.erp_customer_count,
        scored.sales_region,
        scored.product_name,
        scored.product_family,
        scored.unit_of_measure,
        scored.lead_time_days,
        scored.abc_class || secondary_classified.abc_class as multi_criteria_class
    from scored
    left join tier_reached
        on scored.grain = tier_reached.grain
            and scored.entity_id = tier_reached.entity_id
    left join tiers
        on tier_reached.grain = tiers.grain
            and tier_reached.service_tier = tiers.service_tier
    left join multi_criteria
        on scored.grain = multi_criteria.grain
    left join secondary_values
        on scored.grain = secondary_values.grain
            and scored.entity_id = secondary_values.entity_id
    left join secondary_classified
        on scored.grain = secondary_classified.grain
            and scored.entity_id = secondary_classified.entity_id
)

select * from final
