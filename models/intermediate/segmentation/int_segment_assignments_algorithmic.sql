{#
    The algorithmic segment of every grain and entity, before overrides and
    guardrails: ABC, XYZ and demand pattern, the multi-criteria class, the
    weighted score and its service tier, the ABC-XYZ segment of seed
    abc_xyz_segments (doc block abc_xyz_matrix) and reason codes. This is
    the interface the override, guardrail and mart models build on; its
    columns are fixed.
      - Entities whose XYZ class is provisional (too little history) take the
        matrix row with xyz_class 'N' (new) of their ABC class when the seed
        has one, else the row of their provisional XYZ class.
      - service_tier is the tier of the weighted score; when no dimension
        could be computed it is the segment's default_service_tier.
#}
with

scored as (
    select * from {{ ref('int_segment_entities_scored') }}
),

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
),

variability as (
    select * from {{ ref('int_segment_entities_variability_classified') }}
),

profiles as (
    select * from {{ ref('int_segment_entity_service_profiles') }}
),

segments as (
    select * from {{ ref('abc_xyz_segments') }}
),

combined as (
    select
        abc.grain,
        abc.entity_id,
        abc.abc_class,
        abc.measure_used as abc_measure,
        abc.measure_value as abc_measure_value,
        abc.measure_rank as abc_measure_rank,
        variability.xyz_class,
        variability.coefficient_of_variation,
        variability.demand_pattern,
        variability.lifecycle_status,
        variability.is_new_entity,
        variability.is_provisional,
        scored.multi_criteria_class,
        scored.multi_criteria_secondary_measure,
        scored.value_score,
        scored.service_sensitivity_score,
        scored.forecastability_score,
        scored.geography_score,
        scored.weighted_score,
        scored.dimensions_used,
        scored.dimensions_missing,
        scored.service_tier as score_service_tier,
        profiles.is_key_account,
        profiles.has_service_clause,
        -- The CV that decided the XYZ class: the decayed one when decay is on (xyz_class follows it).
        variability.xyz_class_decayed is not null as is_xyz_class_decayed,
        case
            when variability.xyz_class_decayed is not null then variability.coefficient_of_variation_decayed
            else variability.coefficient_of_variation
        end as deciding_coefficient_of_variation
    from abc
    left join variability
        on abc.grain = variability.grain
            and abc.entity_id = variability.entity_id
    left join scored
        on abc.grain = scored.grain
            and abc.entity_id = scored.entity_id
    left join profiles
        on abc.grain = profiles.grain
            and abc.entity_id = profiles.entity_id
),

segmented as (
    select
        combined.*,
        coalesce(new_segments.segment_code, pattern_segments.segment_code) as segment_code,
        coalesce(new_segments.segment_name, pattern_segments.segment_name) as segment_name,
        coalesce(new_segments.default_service_tier, pattern_segments.default_service_tier) as default_service_tier
    from combined
    left join segments as new_segments
        on combined.abc_class = new_segments.abc_class
            and combined.is_provisional
            and new_segments.xyz_class = 'N'
    left join segments as pattern_segments
        on combined.abc_class = pattern_segments.abc_class
            and combined.xyz_class = pattern_segments.xyz_class
),

tiered as (
    select
        *,
        cast(coalesce(score_service_tier, default_service_tier) as {{ dbt.type_int() }}) as service_tier
    from segmented
),

reason_parts as (
    select
        *,
        'ABC:' || abc_class || ' by ' || abc_measure
        || ' rank ' || cast(abc_measure_rank as {{ dbt.type_string() }}) as abc_reason,
        'MULTI:' || multi_criteria_class
        || ' by ' || abc_measure || '/' || multi_criteria_secondary_measure as multi_criteria_reason,
        'XYZ:' || xyz_class || case when is_xyz_class_decayed then ' decayed' else '' end || coalesce(
            ' cv ' || cast(round(deciding_coefficient_of_variation, 2) as {{ dbt.type_string() }}), ' cv none'
        ) as xyz_reason,
        'PATTERN:' || demand_pattern as pattern_reason,
        case when is_provisional then 'NEW:provisional' end as new_entity_reason,
        'SEGMENT:' || segment_code as segment_reason,
        'TIER:' || cast(service_tier as {{ dbt.type_string() }}) || case
            when score_service_tier is not null
                then ' score ' || cast(round(weighted_score, 2) as {{ dbt.type_string() }}) || ' on ' || dimensions_used
            else ' segment default (no score)'
        end as tier_reason,
        case
            when dimensions_missing is not null then 'REWEIGHTED:without ' || dimensions_missing
        end as reweighted_reason
    from tiered
),

explained as (
    select
        *,
        concat_ws(
            '; ',
            abc_reason,
            multi_criteria_reason,
            xyz_reason,
            pattern_reason,
            new_entity_reason,
            segment_reason,
            tier_reason,
            reweighted_reason
        ) as reason_codes
    from reason_parts
),

final as (
    select
        grain,
        entity_id,
        abc_class,
        abc_measure,
        abc_measure_value,
        xyz_class,
        coefficient_of_variation,
        demand_pattern,
        lifecycle_status,
        is_new_entity,
        is_provisional,
        multi_criteria_class,
        value_score,
        service_sensitivity_score,
        forecastability_score,
        geography_score,
        weighted_score,
        dimensions_used,
        service_tier,
        segment_code,
        segment_name,
        is_key_account,
        has_service_clause,
        reason_codes
    from explained
)

select * from final
