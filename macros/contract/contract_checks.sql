{#
    Row-level checks of the input contract, used by the staging models.

    contract_rejection_reason(source_name, table_name) returns a SQL expression
    naming the first reason a raw row cannot be used, or null:
      missing_required:<column>  a required column is null or blank;
      unparseable:<column>       a required column does not parse to its type;
      out_of_range:<column>      a numeric column (required or optional) holds
                                 NaN or infinity, a magnitude above
                                 var('contract_max_abs_value'), or a value below
                                 the column's meta min_value (negative prices).
    The columns, types and bounds come from the sources file, written once.
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
    {%- for column in columns if contract_is_numeric(column.data_type) %}
        {%- set value = 'try_cast(' ~ adapter.quote(column.name) ~ ' as double)' %}
        when not isfinite({{ value }}) then 'out_of_range:{{ column.name }}'
        when abs({{ value }}) > {{ contract_max_abs_value() }} then 'out_of_range:{{ column.name }}'
        {%- if column.min_value is not none %}
        when {{ value }} < {{ column.min_value | float }} then 'out_of_range:{{ column.name }}'
        {%- endif %}
    {%- endfor %}
    end
{% endmacro %}


{#
    contract_rejection_reasons(): every rejection reason (the text before the
    colon of rejection_reason) a row can carry, in the order the load summary
    lists them: the row checks of the input contract, then the cross-entity
    checks of order lines (int_order_lines_validated).
#}
{% macro contract_rejection_reasons() %}
    {{ return([
        'missing_required', 'unparseable', 'out_of_range', 'conflicting_duplicate_key', 'unknown_business_unit',
        'unknown_customer', 'unknown_product', 'missing_fx_rate',
    ]) }}
{% endmacro %}


{#
    contract_unparseable_optional_columns(source_name, table_name) returns a
    SQL expression listing, comma-separated, the optional non-text columns of
    a raw row that hold a value which does not parse to its declared type, or
    null. Such a value is read as null (the row is still used); the input
    contract logs a warning per file and column, and fct_load_summary counts
    the rows.
#}
{% macro contract_unparseable_optional_columns(source_name, table_name) %}
    {%- if not execute or not graph.get('sources') -%}
        {{ return('cast(null as varchar)') }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- for column in raw_contract_columns(contract_source_node(source_name, table_name))
            if not column.required and column.data_type != 'varchar' -%}
        {%- do checks.append(
            'case when ' ~ adapter.quote(column.name) ~ ' is not null and try_cast(' ~ adapter.quote(column.name)
            ~ ' as ' ~ column.data_type ~ ") is null then '" ~ column.name ~ "' end") -%}
    {%- endfor -%}
    {%- if checks -%}
        nullif(concat_ws(',', {{ checks | join(', ') }}), '')
    {%- else -%}
        cast(null as varchar)
    {%- endif -%}
{% endmacro %}


{#
    contract_is_numeric(data_type): whether a contract data_type is a number
    (its values get the range checks of contract_rejection_reason).
#}
{% macro contract_is_numeric(data_type) %}
    {{ return(data_type in ['double', 'float', 'real', 'integer', 'bigint', 'smallint', 'hugeint']
        or data_type.startswith('decimal') or data_type.startswith('numeric')) }}
{% endmacro %}


{#
    contract_max_abs_value(): var('contract_max_abs_value') as a checked SQL
    number. A value of a numeric raw column beyond it in magnitude is taken
    for a unit or extraction error (1e308, an id in a price column) and the
    row goes to quarantine as out_of_range.
#}
{% macro contract_max_abs_value() %}
    {#- Checked by validate_vars (a number above 0); rendered through the checked-number macro. -#}
    {{ return(sql_number_var('contract_max_abs_value')) }}
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
