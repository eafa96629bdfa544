{#
    Schemas are named for the layer (staging, intermediate, marts, config,
    history), not prefixed with the target schema, so BI tools and auditors
    read marts.dim_product_segments in every environment. Environments are
    separated by database file instead (profiles.yml).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
