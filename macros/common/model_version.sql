{#
    model_version(): a SQL string literal holding the project's version, the
    `version` of dbt_project.yml, stamped on every ERP export row so a partner
    system knows which release of the rules made a record. dbt does not expose
    the project version to Jinja, so the macro reads dbt_project.yml from the
    project directory once per model (DuckDB read_text) and takes its
    `version` key with fromyaml. While dbt parses (nothing runs) it is a
    placeholder.
#}
{% macro model_version() -%}
    {%- if not execute -%}
        {{ return("cast(null as varchar)") }}
    {%- endif -%}
    {%- set project_dir = flags.PROJECT_DIR or '.' -%}
    {%- set project_file = (project_dir ~ '/dbt_project.yml') | replace('\\', '/') -%}
    {%- set result = run_query("select content from read_text(" ~ sql_string_literal(project_file) ~ ")") -%}
    {%- set project = fromyaml(result.columns[0].values()[0]) -%}
    {%- if project is none or not project.get('version') -%}
        {%- do exceptions.raise_compiler_error(
            "model_version(): " ~ project_file ~ " has no version key; set version: in dbt_project.yml.") -%}
    {%- endif -%}
    {{ return(sql_string_literal(project['version'] | string)) }}
{%- endmacro %}
