{#
    attach_published_database(): on-run-start. When var impact_published_path
    is set, attaches that DuckDB file READ_ONLY as database
    var('impact_published_database'), so the impact assessment
    (int_segment_impact_assessed) can compare this build (the candidate) with
    the published one. The path and the alias are checked by their var specs
    (a path of letters, digits and _ . / : ~ - and spaces, no quote; an alias
    that is an SQL identifier) before they reach SQL, and the path is rendered
    as a quoted literal, the alias as a quoted identifier. An attach that
    already exists under the alias is kept (the publish step may attach first).
#}
{% macro attach_published_database() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set path = validated_var('impact_published_path') -%}
    {%- if path is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set alias = validated_var('impact_published_database') -%}
    {%- if alias is none -%}
        {%- do exceptions.raise_compiler_error(
            "Var impact_published_path is set (" ~ path ~ ") but var impact_published_database, the name to attach"
            ~ " it under, is not; set both (for example impact_published_database: published).") -%}
    {%- endif -%}
    {%- if alias | lower == target.database | lower -%}
        {%- do exceptions.raise_compiler_error(
            "Var impact_published_database is '" ~ alias ~ "', the name of this build's own database; choose"
            ~ " another name for the published database (for example published).") -%}
    {%- endif -%}
    {%- do run_query('attach if not exists ' ~ sql_string_literal(path) ~ ' as ' ~ adapter.quote(alias)
        ~ ' (read_only)') -%}
    {{ return('') }}
{% endmacro %}
