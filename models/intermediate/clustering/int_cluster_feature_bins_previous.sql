{#
    The bins the previous run published (doc block cluster_drift): one row per
    grain, distribution (a feature, or the cluster distribution) and bin of
    marts.fct_cluster_feature_bins as it stands before this run replaces it,
    with the bin edges and the share of entities in each bin. The drift
    model puts this run's entities into the same bins to compute the
    population stability index.
    Read by relation, found in the project graph, and not by ref: the mart is
    built from this run's bins, which are cut from this model on a rerun, so
    a ref would be a cycle. A table built before the mart in every run. On a
    first build, or when the published mart lacks a column read below, it is
    empty and no drift is computed. Waived in tests_py/test_dag_rules.py.
#}
{%- set previous_columns = [
    'grain', 'distribution_kind', 'feature_name', 'bin_number', 'lower_edge', 'upper_edge', 'entity_share', 'run_id'
] -%}
{%- set published_relation = none -%}
{%- if execute -%}
    {%- set mart = latest_model_node('fct_cluster_feature_bins') -%}
    {%- if mart is none -%}
        {%- do exceptions.raise_compiler_error(
            this ~ ": model fct_cluster_feature_bins not found in the project graph") -%}
    {%- endif -%}
    {%- set existing = adapter.get_relation(
        database=mart.database, schema=mart.schema, identifier=mart.alias or mart.name) -%}
    {%- if existing is not none -%}
        {%- set existing_columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
        {%- set missing_columns = previous_columns | reject('in', existing_columns) | list -%}
        {%- if missing_columns | length == 0 -%}
            {%- set published_relation = existing -%}
        {%- else -%}
            {%- do log(existing ~ " lacks " ~ missing_columns | join(', ')
                ~ "; no previous bins are used in this run", info=true) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
with

published as (
    {%- if published_relation is not none %}
        select
            grain,
            distribution_kind,
            feature_name,
            bin_number,
            lower_edge,
            upper_edge,
            entity_share,
            run_id
        from {{ published_relation }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as grain,
            cast(null as {{ dbt.type_string() }}) as distribution_kind,
            cast(null as {{ dbt.type_string() }}) as feature_name,
            cast(null as integer) as bin_number,
            cast(null as double) as lower_edge,
            cast(null as double) as upper_edge,
            cast(null as double) as entity_share,
            cast(null as {{ dbt.type_string() }}) as run_id
        where false
    {%- endif %}
),

final as (
    select
        grain,
        distribution_kind,
        feature_name,
        run_id as previous_run_id,
        cast(bin_number as integer) as bin_number,
        cast(lower_edge as double) as lower_edge,
        cast(upper_edge as double) as upper_edge,
        cast(entity_share as double) as entity_share
    from published
)

select * from final
