{#
    Which clustering features each clustered grain uses in this load, with
    what weight and transform (doc block cluster_feature_availability).
    A feature of seed cluster_features drops out, with its reason, when
      1. the seed disables it;
      2. its input is missing in this load (capability gross_margin,
         service_level or requested_dates of int_data_capabilities_assessed
         is input_missing; decayed measures when var decay_half_life_periods
         is off);
      3. fewer than var data_capability_min_coverage_share of the grain's
         non-dormant entities have a value;
      4. it is constant over the grain's non-dormant entities.
    Used features' weights are re-normalised to sum 1 per grain; transform
    'default' is var cluster_transform.
#}
{%- set features = cluster_feature_names() -%}
{%- set min_coverage = sql_number_var('data_capability_min_coverage_share') -%}

with

seed_features as (
    select * from {{ ref('cluster_features') }}
),

customer_features as (
    select * from {{ ref('int_customer_cluster_features') }}
),

product_features as (
    select * from {{ ref('int_product_cluster_features') }}
),

customer_product_features as (
    select * from {{ ref('int_customer_product_cluster_features') }}
),

capabilities as (
    select * from {{ ref('int_data_capabilities_assessed') }}
),

all_features as (
    select * from customer_features
    union all
    select * from product_features
    union all
    select * from customer_product_features
),

feature_values as (
    -- Non-dormant entities only: dormant ones do not pull the centroids and do not decide availability.
    {%- for feature in features %}
        select
            grain,
            '{{ feature }}' as feature_name,
            count(*) as entity_count,
            count({{ feature }}) as entity_with_value_count,
            count(distinct {{ comparable(feature) }}) as distinct_value_count
        from all_features
        where not is_dormant
        group by grain
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- The capability whose input a feature needs.
feature_capabilities as (
    {%- for feature_name, capability_name in [
        ('gross_margin_rep_ccy', 'gross_margin'),
        ('gross_margin_decayed_rep_ccy', 'gross_margin'),
        ('margin_pct', 'gross_margin'),
        ('late_or_short_delivery_share', 'service_level'),
        ('short_lead_time_share', 'requested_dates')
    ] %}
        select
            '{{ feature_name }}' as feature_name,
            '{{ capability_name }}' as capability_name
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

clustered_grains as (
    {%- for grain in cluster_grains() %}
        select '{{ grain }}' as grain
        union all
    {%- endfor %}
    select cast(null as {{ dbt.type_string() }}) as grain
    where false
),

checked as (
    select
        seed_features.grain,
        seed_features.feature_name,
        seed_features.weight,
        feature_values.entity_count,
        feature_values.entity_with_value_count,
        feature_values.distinct_value_count,
        case
            when seed_features.transform = 'default' then {{ sql_text_var('cluster_transform') }}
            else seed_features.transform
        end as transform,  -- noqa: RF04
        case
            when not seed_features.is_enabled or seed_features.weight <= 0
                then 'disabled in seed cluster_features'
            when capabilities.capability_status = 'input_missing'
                then 'input missing in this load (capability ' || capabilities.capability
                    || '): ' || capabilities.unavailable_reason
            {%- if validated_var('decay_half_life_periods') is none %}
                when seed_features.feature_name in ('revenue_decayed_rep_ccy', 'gross_margin_decayed_rep_ccy')
                    then 'time decay is off (var decay_half_life_periods is null): the decayed value would'
                        || ' repeat the plain one'
            {%- endif %}
            when coalesce(feature_values.entity_count, 0) = 0
                then 'no non-dormant entity to cluster'
            when cast(feature_values.entity_with_value_count as double) / feature_values.entity_count
                < {{ min_coverage }}
                then 'only ' || cast(feature_values.entity_with_value_count as {{ dbt.type_string() }})
                    || ' of ' || cast(feature_values.entity_count as {{ dbt.type_string() }})
                    || ' non-dormant entities have a value (var data_capability_min_coverage_share)'
            when feature_values.distinct_value_count <= 1
                then 'constant over all non-dormant entities'
        end as drop_reason
    from seed_features
    left join feature_values
        on seed_features.grain = feature_values.grain
            and seed_features.feature_name = feature_values.feature_name
    left join feature_capabilities
        on seed_features.feature_name = feature_capabilities.feature_name
    left join capabilities
        on feature_capabilities.capability_name = capabilities.capability
    inner join clustered_grains
        on seed_features.grain = clustered_grains.grain
),

final as (
    select
        grain,
        feature_name,
        transform,
        drop_reason,
        entity_count,
        entity_with_value_count,
        drop_reason is null as is_used,
        case
            when drop_reason is null
                then weight / sum(case when drop_reason is null then weight end) over (partition by grain)
            else 0
        end as weight
    from checked
)

select * from final
