{#
    The impact assessment of this build (the candidate) against the published
    build: one row per grain and entity whose published segment or service
    tier would change, or that would enter or leave the published
    assignments (macro segment_impact_assessment; doc block
    segment_impact_assessment). The published build is the DuckDB file of var
    impact_published_path, attached READ_ONLY at the start of the run as
    database var impact_published_database, schema var
    impact_published_schema. Without it (the default) there is nothing to
    compare with and the model is empty. impact_published_database may also
    name this build's own database, impact_published_schema then a schema of
    it holding the published marts. A table, so that it holds the comparison
    after the published file is detached.
    The candidate side is this build's marts, found through ref (the
    depends_on lines order this model after them). The published side is an
    input from outside this build, like a source, and is read by name.
#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('fct_segment_assignments') }}
-- depends_on: {{ ref('dim_customer_segments') }}
-- depends_on: {{ ref('dim_product_segments') }}
{%- set candidate = ref('fct_segment_assignments') -%}
{%- set published_database = validated_var('impact_published_database') -%}
{%- if published_database is not none %}
    {{ segment_impact_assessment(
        candidate.database, candidate.schema, published_database, validated_var('impact_published_schema')) }}
{%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as grain,
        cast(null as {{ dbt.type_string() }}) as entity_id,
        cast(null as {{ dbt.type_string() }}) as change_kind,
        cast(null as boolean) as is_segment_changed,
        cast(null as {{ dbt.type_string() }}) as published_segment_code,
        cast(null as {{ dbt.type_string() }}) as candidate_segment_code,
        cast(null as {{ dbt.type_string() }}) as published_segment_name,
        cast(null as {{ dbt.type_string() }}) as candidate_segment_name,
        cast(null as integer) as published_service_tier,
        cast(null as integer) as candidate_service_tier,
        cast(null as {{ dbt.type_string() }}) as published_run_id,
        cast(null as {{ dbt.type_string() }}) as candidate_run_id,
        cast(null as date) as candidate_reference_date,
        cast(null as double) as revenue_rep_ccy,
        cast(null as double) as gross_margin_rep_ccy
    where false
{%- endif %}
