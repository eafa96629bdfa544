{#
    The minimum-size rule holds in the published profiles (doc block
    clustering_minimum_size): every real cluster of a grain has at least
    var cluster_min_size_count entities and at least var
    cluster_min_size_share of the grain's clustered entities, unless it is
    the grain's only cluster (nothing left to merge into).
    Returns the clusters that break the rule.
#}
with

clusters as (
    select distinct
        grain,
        cluster_id,
        entity_count,
        clustered_share
    from {{ ref('fct_cluster_profiles') }}
    where cluster_kind = 'clustered'
),

counted as (
    select
        grain,
        cluster_id,
        entity_count,
        clustered_share,
        count(*) over (partition by grain) as cluster_count
    from clusters
)

select *
from counted
where
    cluster_count > 1
    and (
        entity_count < {{ sql_number_var('cluster_min_size_count') }}
        or clustered_share < {{ sql_number_var('cluster_min_size_share') }}
    )
