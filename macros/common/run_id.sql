{#
    The identifier of this segmentation run, stamped on every mart row:
    var('run_id') when given (an orchestrator passes its own), else dbt's
    invocation_id.
#}
{% macro run_id() -%}
    {%- set given = validated_var('run_id') -%}
    {{ sql_string_literal(given if given is not none else invocation_id) }}
{%- endmacro %}
