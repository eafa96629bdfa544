{#
    Row-level checks of the input contract, used by the staging models.

    contract_rejection_reason(source_name, table_name) returns a SQL expression
    naming the first reason a raw row cannot be used, or null:
      missing_required:<column>  a required column is null or blank;
      unparseable:<column>       a required column does not parse to its type.
    The required columns and types come from the sources file, written once.
#}
{% macro contract_source_node(source_name, table_name) %}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do exceptions.raise_compiler_error("No source " ~ source_name ~ "." ~ table_name ~ " in the input contract.") -%}
{% endmacro %}


{% macro contract_rejection_reason(source_name, table_name) %}
    {#- Outside a run (parsing, and dbt unit tests, which carry no sources in graph) the check is null. -#}
    {%- if not execute or not graph.get('sources') -%}
        {{ return('cast(null as varchar)') }}
    {%- endif -%}
    {%- set columns = raw_contract_columns(contract_source_node(source_name, table_name)) -%}
    {%- set required = [] -%}
    {%- for column in columns if column.required -%}
        {%- do required.append(column) -%}
    {%- endfor -%}
    case
    {%- for column in required %}
        when {{ adapter.quote(column.name) }} is null then 'missing_required:{{ column.name }}'
    {%- endfor %}
    {%- for column in required if column.data_type != 'varchar' %}
        when try_cast({{ adapter.quote(column.name) }} as {{ column.data_type }}) is null then 'unparseable:{{ column.name }}'
    {%- endfor %}
    end
{% endmacro %}


{#
    contract_source_row(source_name, table_name) returns a JSON text of the raw
    row as delivered, for quarantine and audit. Columns classified personal in
    the contract are left out, so quarantine never holds personal data.
#}
{% macro contract_source_row(source_name, table_name) %}
    {%- if not execute or not graph.get('sources') -%}
        {{ return('cast(null as varchar)') }}
    {%- endif -%}
    {%- set node = contract_source_node(source_name, table_name) -%}
    {%- set parts = [] -%}
    {%- for column in node.columns.values() -%}
        {%- set meta = column.meta or (column.config.meta if column.config is defined and column.config else {}) or {} -%}
        {%- if meta.get('data_classification') != 'personal' -%}
            {%- do parts.append("'" ~ column.name ~ "', " ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    cast(json_object({{ parts | join(', ') }}) as varchar)
{% endmacro %}
