{#
    The algorithmic segment of every grain and entity, before overrides and
    guardrails: ABC, XYZ and demand pattern, the multi-criteria class, the
    weighted score and its service tier, the ABC-XYZ segment of seed
    abc_xyz_segments (doc block abc_xyz_matrix) and reason codes. This is
    spine step 4: it reads int_segment_entities_scored only (which carries
    the ABC, XYZ, profile and entity attribute columns) and carries them on
    to the guardrail step.
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

segments as (
    select * from {{ ref('abc_xyz_segments') }}
),

combined as (
    select
        grain,
        entity_id,
        abc_class,
        measure_used as abc_measure,
        abc_measure_value,
        measure_rank as abc_measure_rank,
        abc_measure_fallback_reason,
        abc_cumulative_share,
        is_non_positive_contributor,
        revenue_rep_ccy,
        gross_margin_rep_ccy,
        volume_quantity,
        order_line_count,
        xyz_class,
        coefficient_of_variation,
        demand_pattern,
        lifecycle_status,
        is_new_entity,
        is_provisional,
        is_xyz_class_decayed,
        deciding_coefficient_of_variation,
        multi_criteria_class,
        multi_criteria_secondary_measure,
        value_score,
        service_sensitivity_score,
        forecastability_score,
        geography_score,
        weighted_score,
        dimensions_used,
        dimensions_missing,
        service_tier as score_service_tier,
        is_key_account,
        has_service_clause,
        global_account_id,
        business_unit_count,
        erp_customer_count,
        sales_region,
        product_name,
        product_family,
        unit_of_measure,
        lead_time_days
    from scored
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
        reason_codes,
        abc_measure_rank,
        abc_measure_fallback_reason,
        abc_cumulative_share,
        is_non_positive_contributor,
        revenue_rep_ccy,
        gross_margin_rep_ccy,
        volume_quantity,
        order_line_count,
        global_account_id,
        business_unit_count,
        erp_customer_count,
        sales_region,
        product_name,
        product_family,
        unit_of_measure,
        lead_time_days
    from explained
)

select * from final
