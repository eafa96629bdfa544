{#
    Profile of every cluster of every clustered grain, one row per cluster
    and used feature (doc blocks cluster_profiles and cluster_naming): the
    cluster's size and share, its centroid in original units (mean of the
    members' values), the population mean and standard deviation over the
    grain's non-dormant entities, the z-score of the centroid and the rank of
    |z| within the cluster, and the cluster's readable name: the words of
    seed cluster_name_words for its features with |z| >= var
    cluster_name_min_abs_z, strongest first, at most var
    cluster_name_max_words, made unique within the grain. Dormant (id 0) and
    unclustered (id -1) entities are profiled too, under fixed names.
#}
{%- set features = cluster_feature_names() -%}

with

assignments as (
    select * from {{ ref('int_cluster_assignments_fitted') }}
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

feature_weights as (
    select * from {{ ref('int_cluster_feature_weights') }}
    where is_used
),

name_words as (
    select * from {{ ref('cluster_name_words') }}
),

all_features as (
    select * from customer_features
    union all
    select * from product_features
    union all
    select * from customer_product_features
),

long_values as (
    -- One row per entity and feature.
    {%- for feature in features %}
        select
            grain,
            entity_id,
            is_dormant,
            '{{ feature }}' as feature_name,
            {{ feature }} as feature_value
        from all_features
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

member_values as (
    select
        long_values.grain,
        long_values.entity_id,
        long_values.feature_name,
        long_values.feature_value,
        long_values.is_dormant,
        assignments.cluster_id,
        assignments.cluster_kind
    from long_values
    inner join feature_weights
        on long_values.grain = feature_weights.grain
            and long_values.feature_name = feature_weights.feature_name
    inner join assignments
        on long_values.grain = assignments.grain
            and long_values.entity_id = assignments.entity_id
),

grain_sizes as (
    select
        grain,
        count(*) as grain_entity_count,
        count(case when cluster_kind = 'clustered' then 1 end) as clustered_entity_count
    from assignments
    group by grain
),

cluster_sizes as (
    select
        grain,
        cluster_id,
        cluster_kind,
        count(*) as entity_count
    from assignments
    group by grain, cluster_id, cluster_kind
),

population as (
    select
        grain,
        feature_name,
        {{ exact_sum('feature_value') }} / nullif(count(feature_value), 0) as population_mean,
        sqrt(greatest(
            {{ exact_sum('feature_value * feature_value') }} / nullif(count(feature_value), 0)
            - power({{ exact_sum('feature_value') }} / nullif(count(feature_value), 0), 2),
            0
        )) as population_stddev
    from member_values
    where not is_dormant
    group by grain, feature_name
),

centroids as (
    select
        grain,
        cluster_id,
        feature_name,
        count(feature_value) as entity_with_value_count,
        {{ exact_sum('feature_value') }} / nullif(count(feature_value), 0) as centroid_value
    from member_values
    group by grain, cluster_id, feature_name
),

scored as (
    select
        centroids.grain,
        centroids.cluster_id,
        centroids.feature_name,
        cluster_sizes.cluster_kind,
        cluster_sizes.entity_count,
        grain_sizes.grain_entity_count,
        grain_sizes.clustered_entity_count,
        centroids.entity_with_value_count,
        centroids.centroid_value,
        population.population_mean,
        population.population_stddev,
        {{ comparable(
            '(centroids.centroid_value - population.population_mean) / nullif(population.population_stddev, 0)'
        ) }} as z_score
    from centroids
    inner join cluster_sizes
        on centroids.grain = cluster_sizes.grain
            and centroids.cluster_id = cluster_sizes.cluster_id
    inner join grain_sizes
        on centroids.grain = grain_sizes.grain
    left join population
        on centroids.grain = population.grain
            and centroids.feature_name = population.feature_name
),

ranked as (
    select
        scored.*,
        case when scored.z_score >= 0 then 'high' else 'low' end as direction,
        row_number() over (
            partition by scored.grain, scored.cluster_id
            order by abs(coalesce(scored.z_score, 0)) desc, scored.feature_name
        ) as abs_z_rank
    from scored
),

worded as (
    select
        ranked.*,
        case
            when ranked.cluster_kind = 'clustered'
                and abs(ranked.z_score) >= {{ sql_number_var('cluster_name_min_abs_z') }}
                and ranked.abs_z_rank <= {{ sql_number_var('cluster_name_max_words') }}
                then name_words.word
        end as name_word
    from ranked
    left join name_words
        on ranked.feature_name = name_words.feature_name
            and ranked.direction = name_words.direction
),

base_names as (
    select
        grain,
        cluster_id,
        case
            when max(cluster_kind) = 'dormant' then 'dormant'
            when max(cluster_kind) = 'unclustered' then 'unclustered'
            else coalesce(string_agg(name_word, ', ' order by abs_z_rank), 'typical')
        end as base_name
    from worded
    group by grain, cluster_id
),

unique_names as (
    select
        grain,
        cluster_id,
        case
            when count(*) over (partition by grain, base_name) > 1 and cluster_id >= 1
                then base_name || ' #' || cast(cluster_id as {{ dbt.type_string() }})
            else base_name
        end as cluster_name
    from base_names
),

final as (
    select
        worded.grain,
        worded.cluster_id,
        unique_names.cluster_name,
        worded.cluster_kind,
        worded.feature_name,
        worded.direction,
        worded.name_word,
        worded.entity_count,
        worded.entity_with_value_count,
        worded.centroid_value,
        worded.population_mean,
        worded.population_stddev,
        worded.z_score,
        worded.abs_z_rank,
        cast(worded.entity_count as double) / worded.grain_entity_count as cluster_share,
        case
            when worded.cluster_kind = 'clustered'
                then cast(worded.entity_count as double) / nullif(worded.clustered_entity_count, 0)
        end as clustered_share
    from worded
    inner join unique_names
        on worded.grain = unique_names.grain
            and worded.cluster_id = unique_names.cluster_id
)

select * from final
