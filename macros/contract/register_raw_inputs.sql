{#
    The input contract. Runs as on-run-start, before any model: for every table
    declared in the project's sources in schema `raw` it finds <raw_path>/<table>.parquet or
    .csv, checks it against the declared columns and loads it once into the
    table raw.<table>, every contract column as text (staging casts and flags
    them). A table, not a view over the file: every staging model, test and
    check then reads the loaded rows instead of parsing the CSV again.

    Stops the build, naming file and column, when
      - a required entity has no file, or both a .csv and a .parquet exist;
      - a required column is missing;
      - a required column is of the wrong type: more than
        var('contract_type_error_share') of its non-null values do not parse.
    A required entity whose file has no rows stops the build too. An optional
    entity without a file or with a header only, or an optional column missing
    from a file, becomes an empty table or a null column, with a warning in the log.
#}
{% macro register_raw_inputs() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set raw_path = validated_var('raw_path') -%}
    {#- The raw schema holds only this load: start it afresh (an entity dropped from the folder leaves nothing behind). -#}
    {%- do run_query('drop schema if exists raw cascade') -%}
    {%- do run_query('create schema raw') -%}
    {%- set tables = [] -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.package_name == project_name and node.schema == 'raw' -%}
            {%- do tables.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in tables | sort(attribute='name') -%}
        {%- do register_raw_entity(node, raw_entity_folder(node, raw_path)) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{% macro raw_contract_columns(node) %}
    {#- [{name, data_type, required, min_value}] in the order declared in the sources file. -#}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- set meta = column.meta or {} -%}
        {%- if not meta and column.config is defined and column.config -%}
            {%- set meta = column.config.meta or {} -%}
        {%- endif -%}
        {%- do columns.append({
            'name': column.name | lower,
            'data_type': (column.data_type or 'varchar') | lower,
            'required': meta.get('required', false),
            'min_value': meta.get('min_value')
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{#
    raw_entity_folder(node, raw_path): the folder an entity's file is read from.
    var raw_path, unless the table's meta names another folder var
    (input_folder_var, e.g. governance_path for the governance inputs); such a
    var set to null means "no folder", which an optional entity reads as empty.
#}
{% macro raw_entity_folder(node, raw_path) %}
    {%- set meta = node.meta or {} -%}
    {%- if not meta and node.config is defined and node.config -%}
        {%- set meta = node.config.meta or {} -%}
    {%- endif -%}
    {%- set folder_var = meta.get('input_folder_var') -%}
    {%- if folder_var is none -%}
        {{ return(raw_path) }}
    {%- endif -%}
    {#- The folder vars an input may name: a fixed list, each read through its spec. -#}
    {%- set folder_vars = {'governance_path': validated_var('governance_path')} -%}
    {%- if folder_var not in folder_vars -%}
        {%- do exceptions.raise_compiler_error(
            "Input contract: source table '" ~ (node.identifier or node.name) ~ "' names input_folder_var '"
            ~ folder_var ~ "', which is not one of " ~ folder_vars.keys() | list | join(', ')
            ~ " (macro raw_entity_folder).") -%}
    {%- endif -%}
    {%- set folder = folder_vars[folder_var] -%}
    {%- if folder is none and raw_entity_is_required(node) -%}
        {%- do exceptions.raise_compiler_error(
            "Input contract: required entity '" ~ (node.identifier or node.name) ~ "' is read from var "
            ~ folder_var ~ ", which is not set.") -%}
    {%- endif -%}
    {{ return(folder) }}
{% endmacro %}


{% macro raw_entity_is_required(node) %}
    {%- set meta = node.meta or {} -%}
    {%- if not meta and node.config is defined and node.config -%}
        {%- set meta = node.config.meta or {} -%}
    {%- endif -%}
    {{ return(meta.get('required_entity', false)) }}
{% endmacro %}


{% macro raw_find_file(entity, raw_path) %}
    {#- Returns (path, format) of the entity's file, or none. -#}
    {%- set base = raw_path.rstrip('/') ~ '/' ~ entity -%}
    {%- set found = run_query(
        "select file from glob('" ~ (base ~ ".parquet") | replace("'", "''") ~ "')"
        ~ " union all select file from glob('" ~ (base ~ ".csv") | replace("'", "''") ~ "')"
        ~ " order by 1"
    ) -%}
    {%- set files = found.columns[0].values() | list -%}
    {%- if files | length > 1 -%}
        {%- do exceptions.raise_compiler_error(
            "Input contract: entity '" ~ entity ~ "' has two files, " ~ files | join(' and ')
            ~ ". Keep one (Parquet or CSV) in " ~ raw_path ~ ".") -%}
    {%- endif -%}
    {%- if files | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set path = files[0] -%}
    {{ return({'path': path, 'format': 'parquet' if path.endswith('.parquet') else 'csv'}) }}
{% endmacro %}


{% macro raw_reader(file) %}
    {%- set quoted = "'" ~ file.path | replace("'", "''") ~ "'" -%}
    {%- if file.format == 'parquet' -%}
        read_parquet({{ quoted }}, file_row_number = true)
    {%- else -%}
        read_csv({{ quoted }}, header = true, all_varchar = true)
    {%- endif -%}
{% endmacro %}


{% macro register_raw_entity(node, raw_path) %}
    {%- set entity = node.identifier or node.name -%}
    {%- set contract = raw_contract_columns(node) -%}
    {#- raw_path is none for an entity whose folder var is not set (raw_entity_folder): no file. -#}
    {%- set file = raw_find_file(node.identifier or entity, raw_path) if raw_path is not none else none -%}
    {%- set relation = 'raw.' ~ adapter.quote(node.identifier or entity) -%}

    {%- if file is none -%}
        {%- if raw_entity_is_required(node) -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: required entity '" ~ entity ~ "' has no file " ~ entity
                ~ ".parquet or " ~ entity ~ ".csv in raw_path '" ~ raw_path ~ "'.") -%}
        {%- endif -%}
        {%- do log("Input contract WARNING: optional entity '" ~ entity ~ "' has no file in '"
            ~ (raw_path or 'no folder: its folder var is not set') ~ "'; it is treated as empty and the measures that need it stay null.", info=true) -%}
        {%- set select_list = [] -%}
        {%- for column in contract -%}
            {%- do select_list.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
        {%- endfor -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' as select ' ~ select_list | join(', ')
            ~ ", cast(null as varchar) as _source_file, cast(null as bigint) as _source_row_number where false") -%}
        {{ return(none) }}
    {%- endif -%}

    {#- A file DuckDB cannot read as it stands stops here with a message that says what to do. -#}
    {%- do raw_check_file_readable(file, entity) -%}

    {#- Which contract columns the file has (names compared case-insensitively, trimmed). -#}
    {%- set described = run_query('describe select * from ' ~ raw_reader(file)) -%}
    {%- set present = {} -%}
    {%- set file_types = {} -%}
    {%- for row in described.rows -%}
        {%- do present.update({row[0] | trim | lower: row[0]}) -%}
        {%- do file_types.update({row[0] | trim | lower: row[1] | upper}) -%}
    {%- endfor -%}
    {%- if file.format == 'parquet' -%}
        {%- for column in contract if column.name in present and column.data_type == 'varchar'
                and column.name.endswith('_id') and file_types[column.name] != 'VARCHAR' -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: id column '" ~ present[column.name] ~ "' in file " ~ file.path ~ " is stored as "
                ~ file_types[column.name] ~ ", not as text. Ids are kept as text so that 000123 stays 000123; a numeric"
                ~ " column has already lost its leading zeros. Write the column as a string in the Parquet file"
                ~ " (for example pandas df['" ~ present[column.name] ~ "'].astype('string') before to_parquet, or a"
                ~ " cast to varchar in the export query) from the source system's text ids.") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set select_list = [] -%}
    {%- set missing_optional = [] -%}
    {%- for column in contract -%}
        {%- if column.name in present -%}
            {%- do select_list.append(
                'nullif(trim(cast(' ~ adapter.quote(present[column.name]) ~ ' as varchar)), \'\') as '
                ~ adapter.quote(column.name)) -%}
        {%- elif column.required -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: file " ~ file.path ~ " has no required column '" ~ column.name
                ~ "' (entity " ~ entity ~ "). Columns found: " ~ present.values() | list | join(', ') ~ ".") -%}
        {%- else -%}
            {%- do missing_optional.append(column.name) -%}
            {%- do select_list.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing_optional -%}
        {%- do log("Input contract WARNING: file " ~ file.path ~ " has no optional column(s) "
            ~ missing_optional | join(', ') ~ "; they are null and the measures that need them stay null.", info=true) -%}
    {%- endif -%}
    {%- if file.format == 'parquet' -%}
        {%- set row_number = 'file_row_number + 1' -%}
    {%- else -%}
        {#- DuckDB keeps a CSV scan in file order (preserve_insertion_order), so this is the file row. -#}
        {%- set row_number = 'row_number() over ()' -%}
    {%- endif -%}
    {%- do run_query(
        'create table ' ~ relation ~ ' as select ' ~ select_list | join(', ')
        ~ ", '" ~ file.path | replace("'", "''") ~ "' as _source_file, cast(" ~ row_number
        ~ ' as bigint) as _source_row_number from ' ~ raw_reader(file)) -%}

    {#- Row count and type check of the non-text columns (required and optional): one scan for all of them. -#}
    {%- set checks = [] -%}
    {%- for column in contract if column.data_type != 'varchar' and column.name in present -%}
        {%- do checks.append(column) -%}
    {%- endfor -%}
    {%- set measures = ['count(*)'] -%}
    {%- for column in checks -%}
        {%- do measures.append('count(' ~ adapter.quote(column.name) ~ ')') -%}
        {%- do measures.append(
            'count(' ~ adapter.quote(column.name) ~ ') - count(try_cast('
            ~ adapter.quote(column.name) ~ ' as ' ~ column.data_type ~ '))') -%}
    {%- endfor -%}
    {%- set result = run_query('select ' ~ measures | join(', ') ~ ' from ' ~ relation) -%}
    {%- if result.rows[0][0] == 0 -%}
        {%- if raw_entity_is_required(node) -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: file " ~ file.path ~ " of required entity '" ~ entity ~ "' has no rows.") -%}
        {%- endif -%}
        {%- do log("Input contract WARNING: file " ~ file.path ~ " has a header but no rows; entity '" ~ entity
            ~ "' is treated as empty and the measures that need it stay null (see marts.fct_data_capabilities).",
            info=true) -%}
    {%- endif -%}
    {%- for column in checks -%}
        {%- set non_null = result.rows[0][loop.index0 * 2 + 1] -%}
        {%- set bad = result.rows[0][loop.index0 * 2 + 2] -%}
        {%- if bad > 0 and not column.required -%}
            {%- set example = run_query(
                'select ' ~ adapter.quote(column.name) ~ ' from ' ~ relation ~ ' where '
                ~ adapter.quote(column.name) ~ ' is not null and try_cast(' ~ adapter.quote(column.name)
                ~ ' as ' ~ column.data_type ~ ') is null limit 1').columns[0].values() | list -%}
            {%- do log("Input contract WARNING: optional column '" ~ column.name ~ "' in file " ~ file.path
                ~ " is unparseable in " ~ bad ~ " of " ~ non_null ~ " non-null values (not of type " ~ column.data_type
                ~ ", for example '" ~ example[0] ~ "'); these values are treated as null and the measures that need them"
                ~ " stay null. The rows are counted as rows_with_unparseable_optional_value in marts.fct_load_summary."
                ~ " Fix the extract or its column mapping.", info=true) -%}
        {%- elif non_null > 0 and (bad / non_null) > validated_var('contract_type_error_share') -%}
            {%- set example = run_query(
                'select ' ~ adapter.quote(column.name) ~ ' from ' ~ relation ~ ' where '
                ~ adapter.quote(column.name) ~ ' is not null and try_cast(' ~ adapter.quote(column.name)
                ~ ' as ' ~ column.data_type ~ ') is null limit 1').columns[0].values() | list -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: column '" ~ column.name ~ "' in file " ~ file.path ~ " is not of type "
                ~ column.data_type ~ ": " ~ bad ~ " of " ~ non_null ~ " non-null values do not parse (for example '"
                ~ example[0] ~ "'). Fix the extract or its column mapping.") -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#
    raw_check_file_readable(file, entity): stops the build with a message that
    names the file and says what to do, instead of a raw DuckDB error, when
      - the file has 0 bytes (a broken export; an empty entity is a header row);
      - a CSV file is not UTF-8 (DuckDB reads CSV as UTF-8 only);
      - two columns share a name, compared without regard to case or
        surrounding spaces (which one would be read is a guess).
#}
{% macro raw_check_file_readable(file, entity) %}
    {%- set quoted = "'" ~ file.path | replace("'", "''") ~ "'" -%}
    {%- set size = run_query('select size from read_blob(' ~ quoted ~ ')').columns[0].values() | list -%}
    {%- if size and size[0] == 0 -%}
        {%- do exceptions.raise_compiler_error(
            "Input contract: file " ~ file.path ~ " of entity '" ~ entity ~ "' is empty (0 bytes), which is a broken"
            ~ " export. Export it again; to deliver an entity with no rows, write its header row only.") -%}
    {%- endif -%}
    {%- if file.format == 'csv' -%}
        {#- DuckDB reads CSV as UTF-8 only; decode() of the whole file fails on any other encoding. -#}
        {%- set decoded = run_query(
            'select try(decode(content)) is not null from read_blob(' ~ quoted ~ ')').columns[0].values() | list -%}
        {%- if not decoded[0] -%}
            {%- do exceptions.raise_compiler_error(
                "Input contract: file " ~ file.path ~ " of entity '" ~ entity ~ "' is not UTF-8 encoded (it holds bytes"
                ~ " that are not UTF-8, for example an accented letter saved as Latin-1 or Windows-1252). Export it"
                ~ " again as UTF-8, or convert it, for example `iconv -f latin1 -t utf-8 " ~ entity ~ ".csv > "
                ~ entity ~ ".utf8.csv`.") -%}
        {%- endif -%}
        {%- set header = run_query('select * from read_csv(' ~ quoted ~ ', header = false, all_varchar = true) limit 1') -%}
        {%- set names = header.rows[0].values() | list if header.rows | length > 0 else [] -%}
    {%- else -%}
        {%- set names = run_query(
            'select name from parquet_schema(' ~ quoted ~ ') where coalesce(num_children, 0) = 0').columns[0].values() | list -%}
    {%- endif -%}
    {%- set seen = {} -%}
    {%- set duplicates = [] -%}
    {%- for name in names if name is not none -%}
        {%- set key = name | trim | lower -%}
        {%- if key in seen -%}
            {%- do duplicates.append("'" ~ seen[key] ~ "' and '" ~ name ~ "'") -%}
        {%- else -%}
            {%- do seen.update({key: name}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if duplicates -%}
        {%- do exceptions.raise_compiler_error(
            "Input contract: file " ~ file.path ~ " of entity '" ~ entity ~ "' has duplicate column names (compared"
            ~ " without regard to case or spaces): " ~ duplicates | join(', ') ~ ". Keep one column of each name in the"
            ~ " export; which one to read would be a guess.") -%}
    {%- endif -%}
{% endmacro %}
