{#
    The state the previous run published: one row per grain and entity of
    marts.fct_segment_assignments as it stands before this run replaces it,
    with the columns static mode and the change flags need (doc block
    segment_previous_state). int_segment_assignments_final reads it as the
    previous assignment of each entity.
    The mart is read by relation, found in the project graph, and not by ref:
    the mart is built from this model (through int_segment_assignments_final),
    so a ref would be a cycle. This model is a table, built before the mart
    in every run, so it keeps the state that run started from. On a first
    build, or when the published mart lacks a column read below (an older
    version of the project), there is no previous state: the model is empty
    and every entity is a first assignment. Waived in the DAG rules
    (tests_py/test_dag_rules.py) as the one hidden dependency.
#}
{%- set previous_columns = [
    'grain', 'entity_id', 'run_id', 'final_segment_code', 'final_service_tier',
    'pre_override_segment_code', 'pre_override_segment_name', 'pre_override_service_tier',
    'override_id', 'last_reviewed_date', 'reviewed_abc_measure', 'reviewed_abc_measure_value',
    'segment_valid_since_date', 'is_new_entity'
] -%}
{%- set published_relation = none -%}
{%- if execute -%}
    {%- set mart = latest_model_node('fct_segment_assignments') -%}
    {%- if mart is none -%}
        {%- do exceptions.raise_compiler_error(
            this ~ ": model fct_segment_assignments not found in the project graph") -%}
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
                ~ "; no previous state is used in this run", info=true) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
with

published as (
    {%- if published_relation is not none %}
        select
            grain,
            entity_id,
            run_id,
            final_segment_code,
            final_service_tier,
            pre_override_segment_code,
            pre_override_segment_name,
            pre_override_service_tier,
            override_id,
            last_reviewed_date,
            reviewed_abc_measure,
            reviewed_abc_measure_value,
            segment_valid_since_date,
            is_new_entity
        from {{ published_relation }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as grain,
            cast(null as {{ dbt.type_string() }}) as entity_id,
            cast(null as {{ dbt.type_string() }}) as run_id,
            cast(null as {{ dbt.type_string() }}) as final_segment_code,
            cast(null as integer) as final_service_tier,
            cast(null as {{ dbt.type_string() }}) as pre_override_segment_code,
            cast(null as {{ dbt.type_string() }}) as pre_override_segment_name,
            cast(null as integer) as pre_override_service_tier,
            cast(null as {{ dbt.type_string() }}) as override_id,
            cast(null as date) as last_reviewed_date,
            cast(null as {{ dbt.type_string() }}) as reviewed_abc_measure,
            cast(null as double) as reviewed_abc_measure_value,
            cast(null as date) as segment_valid_since_date,
            cast(null as boolean) as is_new_entity
        where false
    {%- endif %}
),

final as (
    select
        grain,
        entity_id,
        run_id,
        final_segment_code,
        final_service_tier,
        pre_override_segment_code,
        pre_override_segment_name,
        pre_override_service_tier,
        override_id,
        last_reviewed_date,
        reviewed_abc_measure,
        reviewed_abc_measure_value,
        segment_valid_since_date,
        is_new_entity
    from published
)

select * from final
