{#
    Centroids of the clusters the previous run published (doc block
    cluster_previous_state): one row per grain, real cluster (id >= 1) and
    feature of marts.fct_cluster_profiles as it stands before this run
    replaces it, in original units. int_cluster_assignments_fitted matches
    this run's centroids to these (Hungarian assignment) so that a cluster
    keeps its id while it stays the same.
    The mart is read by relation, found in the project graph, and not by ref:
    the mart is built from this model (through the fitted assignments), so a
    ref would be a cycle. This model is a table built before the mart in
    every run, so it keeps the state that run started from. On a first build,
    or when the published mart lacks a column read below, it is empty and
    the ids are numbered afresh. Waived in tests_py/test_dag_rules.py.
#}
{%- set previous_columns = ['grain', 'cluster_id', 'cluster_kind', 'feature_name', 'centroid_value', 'run_id'] -%}
{%- set published_relation = none -%}
{%- if execute -%}
    {%- set mart = latest_model_node('fct_cluster_profiles') -%}
    {%- if mart is none -%}
        {%- do exceptions.raise_compiler_error(
            this ~ ": model fct_cluster_profiles not found in the project graph") -%}
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
                ~ "; no previous centroids are used in this run", info=true) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
with

published as (
    {%- if published_relation is not none %}
        select
            grain,
            cluster_id,
            feature_name,
            centroid_value,
            run_id
        from {{ published_relation }}
        where cluster_kind = 'clustered'
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as grain,
            cast(null as integer) as cluster_id,
            cast(null as {{ dbt.type_string() }}) as feature_name,
            cast(null as double) as centroid_value,
            cast(null as {{ dbt.type_string() }}) as run_id
        where false
    {%- endif %}
),

final as (
    select
        grain,
        feature_name,
        run_id as previous_run_id,
        cast(cluster_id as integer) as cluster_id,
        cast(centroid_value as double) as centroid_value
    from published
)

select * from final
