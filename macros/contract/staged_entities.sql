{#
    The registry of staged entities, derived from the project's graph rather
    than kept by hand. For every table of the input contract (the sources in
    schema `raw`, as register_raw_inputs reads them) it returns a dict:
      source_system         the source name (erp, crm, wms, planning);
      entity                the table name (order_lines, crm_accounts, ...);
      is_required           meta.required_entity of the table;
      staging_model         the model that selects from the source (its
                            depends_on names the source);
      key_columns           the columns of the staging model's primary-key
                            test (unique_where_usable), the entity's grain;
      rows_model            the model holding the entity's final rejection
                            reasons: a model whose meta.validates_staged_model
                            names the staging model (int_order_lines_validated
                            adds the checks that need other entities), else the
                            staging model itself;
      has_exact_duplicates  whether rows_model declares a column
                            is_exact_duplicate (exact copies removed, not
                            quarantined).
    Sorted by source_system and entity. A contract table without exactly one
    staging model or without a primary-key test stops the build, naming it.

    The graph exists only at execution; while dbt parses, the registry is
    empty, so a model that refs the registry's models declares them with
    `-- depends_on:` lines (dbt names a missing one when it runs).
#}
{% macro staged_entities() %}
    {%- if not execute or not graph.get('sources') -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set entities = [] -%}
    {%- for source in graph.sources.values() | sort(attribute='source_name') -%}
        {%- if source.package_name == project_name and source.schema == 'raw' -%}
            {%- do entities.append(staged_entity(source)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(entities | sort(attribute='source_system,entity')) }}
{% endmacro %}


{% macro staged_entity(source) %}
    {%- set label = source.source_name ~ '.' ~ source.name -%}
    {%- set staging_models = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and source.unique_id in node.depends_on.nodes -%}
            {%- do staging_models.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if staging_models | length != 1 -%}
        {%- do exceptions.raise_compiler_error(
            "Registry of staged entities: source " ~ label ~ " must be read by exactly one staging model, found "
            ~ (staging_models | map(attribute='name') | join(', ') or 'none') ~ ".") -%}
    {%- endif -%}
    {%- set staging = staging_models[0] -%}

    {%- set key_columns = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'test' and node.attached_node == staging.unique_id
            and node.test_metadata and node.test_metadata.name == 'unique_where_usable' -%}
            {%- set kwargs = node.test_metadata.kwargs -%}
            {%- do key_columns.extend(kwargs.get('combination_of_columns') or []) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not key_columns -%}
        {%- do exceptions.raise_compiler_error(
            "Registry of staged entities: staging model " ~ staging.name ~ " (source " ~ label
            ~ ") has no primary-key test unique_where_usable; add one naming its key columns.") -%}
    {%- endif -%}

    {%- set rows = namespace(node=staging) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and (node.config.meta or {}).get('validates_staged_model') == staging.name -%}
            {%- set rows.node = node -%}
        {%- endif -%}
    {%- endfor -%}

    {{ return({
        'source_system': source.source_name,
        'entity': source.identifier or source.name,
        'is_required': raw_entity_is_required(source),
        'staging_model': staging.name,
        'key_columns': key_columns,
        'rows_model': rows.node.name,
        'has_exact_duplicates': 'is_exact_duplicate' in rows.node.columns,
    }) }}
{% endmacro %}


{#
    staged_entity_key(entity) is a SQL expression of the entity's key as text,
    its key columns joined by ':' ('?' for a null part), for quarantine rows.
#}
{% macro staged_entity_key(entity) %}
    {%- set parts = [] -%}
    {%- for column in entity.key_columns -%}
        {%- do parts.append("coalesce(cast(" ~ adapter.quote(column) ~ " as " ~ dbt.type_string() ~ "), '?')") -%}
    {%- endfor -%}
    {{ parts | join(" || ':' || ") }}
{% endmacro %}

