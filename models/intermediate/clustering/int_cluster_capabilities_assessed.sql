{#
    One capability row per clustered grain for fct_data_capabilities (doc
    block cluster_feature_availability): behaviour clustering of the grain is
    computed on the features of seed cluster_features this load supports;
    a feature enabled in the seed but dropped in this load (input missing,
    too few values, constant) is named with its reason. Features the seed
    disables are a choice, not a gap, and are not reported.
#}
with

feature_weights as (
    select * from {{ ref('int_cluster_feature_weights') }}
),

enabled as (
    select *
    from feature_weights
    where coalesce(drop_reason, '') <> 'disabled in seed cluster_features'
),

by_grain as (
    select
        grain,
        count(*) as enabled_feature_count,
        count(case when is_used then 1 end) as used_feature_count,
        string_agg(
            case when not is_used then feature_name || ' (' || drop_reason || ')' end, '; ' order by feature_name
        ) as dropped_features
    from enabled
    group by grain
),

final as (
    select
        'clustering_' || grain as capability,
        'Behaviour clusters of the ' || replace(grain, '_', ' ') || ' grain (fct_cluster_profiles), on the'
        || ' features of seed cluster_features.' as used_for,
        'the inputs of the enabled clustering features' as required_inputs,
        'clustering features enabled in seed cluster_features' as coverage_basis,
        used_feature_count as covered_count,
        enabled_feature_count as coverage_base_count,
        cast(used_feature_count as double) / nullif(enabled_feature_count, 0) as coverage_share,
        case
            when used_feature_count = 0 then 'input_missing'
            when dropped_features is not null then 'computed_low_coverage'
            else 'computed'
        end as capability_status,
        'int_cluster_assignments_fitted' as computed_by,
        case
            when dropped_features is not null
                then 'clustered without ' || cast(enabled_feature_count - used_feature_count as {{ dbt.type_string() }})
                    || ' of ' || cast(enabled_feature_count as {{ dbt.type_string() }})
                    || ' enabled features, dropped in this load: ' || dropped_features
        end as unavailable_reason
    from by_grain
)

select * from final
