{#
    The working-capital delta per plant and product segment that publishing
    this build (the candidate) instead of the published build would bring:
    the inventory value the policy implies in both builds and the delta,
    candidate minus published (macro segment_impact_working_capital; doc
    block segment_impact_policies). Published build as in
    int_segment_impact_assessed; without it the model is empty. A table.
#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('fct_policy_working_capital') }}
{%- set candidate = ref('fct_policy_working_capital') -%}
{%- set published_database = validated_var('impact_published_database') %}
{%- if published_database is not none %}
    {{ segment_impact_working_capital(
        candidate.database, candidate.schema, published_database, validated_var('impact_published_schema')) }}
{%- elif execute %}
    select * from (
        {{ segment_impact_working_capital(candidate.database, candidate.schema, candidate.database, candidate.schema) }}
    ) as no_published_build
    where false
{%- else %}
    select 1 as parse_placeholder
    where false
{%- endif %}
