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
      - Behaviour clusters (doc block cluster_segment_rules): the entity's
        cluster id and name (grains in var cluster_grains), and seed
        cluster_segment_rules moving the service tier, within the grain's
        tiers, before the guardrails and overrides apply.
#}
with

scored as (
    select * from {{ ref('int_segment_entities_scored') }}
),

segments as (
    select * from {{ ref('abc_xyz_segments') }}
),

cluster_assignments as (
    select * from {{ ref('int_cluster_assignments_fitted') }}
),

cluster_profiles as (
    select * from {{ ref('int_cluster_profiles') }}
),

cluster_rules as (
    select * from {{ ref('cluster_segment_rules') }}
),

service_tiers as (
    select * from {{ ref('service_tiers') }}
),

cluster_names as (
    select distinct
        grain,
        cluster_id,
        cluster_name
    from cluster_profiles
),

entity_clusters as (
    select
        cluster_assignments.grain,
        cluster_assignments.entity_id,
        cluster_assignments.cluster_id,
        cluster_names.cluster_name
    from cluster_assignments
    left join cluster_names
        on cluster_assignments.grain = cluster_names.grain
            and cluster_assignments.cluster_id = cluster_names.cluster_id
),

cluster_adjustments as (
    select
        entity_clusters.grain,
        entity_clusters.entity_id,
        sum(cluster_rules.service_tier_adjustment) as cluster_service_tier_adjustment,
        string_agg(cluster_rules.cluster_name_word, ', ' order by cluster_rules.cluster_name_word) as cluster_rule_words
    from entity_clusters
    inner join cluster_rules
        on entity_clusters.grain = cluster_rules.grain
            and position(cluster_rules.cluster_name_word in entity_clusters.cluster_name) > 0
    where entity_clusters.cluster_id >= 1
    group by entity_clusters.grain, entity_clusters.entity_id
),

tier_bounds as (
    select
        grain,
        min(service_tier) as top_service_tier,
        max(service_tier) as bottom_service_tier
    from service_tiers
    group by grain
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

clustered as (
    select
        combined.*,
        entity_clusters.cluster_id,
        entity_clusters.cluster_name,
        cluster_adjustments.cluster_service_tier_adjustment,
        cluster_adjustments.cluster_rule_words,
        tier_bounds.top_service_tier,
        tier_bounds.bottom_service_tier
    from combined
    left join entity_clusters
        on combined.grain = entity_clusters.grain
            and combined.entity_id = entity_clusters.entity_id
    left join cluster_adjustments
        on combined.grain = cluster_adjustments.grain
            and combined.entity_id = cluster_adjustments.entity_id
    left join tier_bounds
        on combined.grain = tier_bounds.grain
),

segmented as (
    select
        clustered.*,
        coalesce(new_segments.segment_code, pattern_segments.segment_code) as segment_code,
        coalesce(new_segments.segment_name, pattern_segments.segment_name) as segment_name,
        coalesce(new_segments.default_service_tier, pattern_segments.default_service_tier) as default_service_tier
    from clustered
    left join segments as new_segments
        on clustered.abc_class = new_segments.abc_class
            and clustered.is_provisional
            and new_segments.xyz_class = 'N'
    left join segments as pattern_segments
        on clustered.abc_class = pattern_segments.abc_class
            and clustered.xyz_class = pattern_segments.xyz_class
),

unadjusted as (
    select
        *,
        cast(coalesce(score_service_tier, default_service_tier) as {{ dbt.type_int() }}) as unadjusted_service_tier
    from segmented
),

adjusted as (
    -- The cluster rules' tier, kept within the grain's tiers (never beyond the unadjusted tier's own bounds).
    select
        *,
        unadjusted_service_tier + coalesce(cluster_service_tier_adjustment, 0) as adjusted_service_tier,
        least(coalesce(top_service_tier, unadjusted_service_tier), unadjusted_service_tier) as tier_floor,
        greatest(coalesce(bottom_service_tier, unadjusted_service_tier), unadjusted_service_tier) as tier_ceiling
    from unadjusted
),

tiered as (
    select
        *,
        cast(greatest(tier_floor, least(tier_ceiling, adjusted_service_tier)) as {{ dbt.type_int() }}) as service_tier
    from adjusted
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
        'CLUSTER:' || cast(cluster_id as {{ dbt.type_string() }}) || ' ' || cluster_name as cluster_reason,
        case
            when service_tier <> unadjusted_service_tier
                then 'CLUSTER_TIER:' || cast(service_tier - unadjusted_service_tier as {{ dbt.type_string() }})
                    || ' (' || cluster_rule_words || ')'
        end as cluster_tier_reason,
        'TIER:' || cast(unadjusted_service_tier as {{ dbt.type_string() }}) || case
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
            reweighted_reason,
            cluster_reason,
            cluster_tier_reason
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
        lead_time_days,
        cluster_id,
        cluster_name,
        case when service_tier <> unadjusted_service_tier then service_tier - unadjusted_service_tier end
            as cluster_service_tier_adjustment
    from explained
)

select * from final
