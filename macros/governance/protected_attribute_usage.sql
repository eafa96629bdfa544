{#
    assert_no_protected_attribute_drives_segmentation(): on-run-start, before
    any model runs. Stops the run when an attribute of seed
    protected_attributes (attributes that must never drive segmentation) is
    used where it would: as a clustering feature, a score dimension or a rule
    input (macro protected_attribute_inputs lists where). The seed files are
    read as they are in the project (the run's seeds), so the check holds on a
    fresh database too. An input names an attribute when the attribute is the
    name or an underscore-separated part of it (owner_age in
    owner_age_band). The message names each attribute, the seed, its file,
    the column and the row key. Doc block protected_attributes.
#}
{% macro assert_no_protected_attribute_drives_segmentation() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set protected = project_seed_node('protected_attributes') -%}
    {%- if protected is none -%}
        {%- do exceptions.raise_compiler_error(
            "Fairness check: seed protected_attributes (seeds/governance/protected_attributes.csv) is missing;"
            ~ " it lists the attributes that must never drive segmentation.") -%}
    {%- endif -%}
    {%- set protected_file = seed_file_literal(protected) -%}
    {%- set findings = [] -%}
    {%- for input in protected_attribute_inputs() -%}
        {%- set used = run_query(
            "select protected.attribute_name, cast(inputs." ~ adapter.quote(input.key_column) ~ " as varchar),"
            ~ " inputs." ~ adapter.quote(input.column)
            ~ " from read_csv(" ~ seed_file_literal(input.node) ~ ", header = true, all_varchar = true) as inputs"
            ~ " inner join read_csv(" ~ protected_file ~ ", header = true, all_varchar = true) as protected"
            ~ " on position('_' || lower(trim(protected.attribute_name)) || '_'"
            ~ " in '_' || lower(trim(inputs." ~ adapter.quote(input.column) ~ ")) || '_') > 0"
            ~ " order by 1, 2, 3") -%}
        {%- for row in used.rows -%}
            {%- do findings.append("protected attribute '" ~ row[0] ~ "' is used as a " ~ input.kind ~ " in seed "
                ~ input.seed ~ " (" ~ input.node.original_file_path ~ ", column " ~ input.column ~ " = '" ~ row[2]
                ~ "', " ~ input.key_column ~ " " ~ row[1] ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if findings -%}
        {%- do exceptions.raise_compiler_error(
            "Fairness check failed: " ~ findings | join('; ') ~ ". Attributes listed in seed protected_attributes"
            ~ " must never drive segmentation: remove them from these seeds (doc block protected_attributes).") -%}
    {%- endif -%}
    {%- do log("Fairness check: no protected attribute drives segmentation ("
        ~ protected_attribute_inputs() | map(attribute='seed') | join(', ') ~ " checked).", info=true) -%}
    {{ return('') }}
{% endmacro %}


{#
    protected_attribute_inputs(): where an attribute could drive segmentation,
    as a list of {seed, node, column, key_column, kind}: a column of a config
    seed whose values name a score dimension, a rule input or a feature.
      - seed segmentation_weights, column dimension: score dimensions;
      - seed segment_guardrails, column condition: guardrail rule inputs;
      - seed cluster_features (clustering features) and seed
        cluster_segment_rules (cluster-to-segment rules), when the project has
        them: their first column among feature_name, feature, condition,
        rule_input, cluster_name_word (from the seed file's header).
    A seed the project does not have is left out.
#}
{% macro protected_attribute_inputs() %}
    {%- set inputs = [] -%}
    {%- set candidates = [
        {'seed': 'segmentation_weights', 'columns': ['dimension'], 'kind': 'score dimension', 'required': true},
        {'seed': 'segment_guardrails', 'columns': ['condition'], 'kind': 'guardrail rule input', 'required': true},
        {'seed': 'cluster_features', 'columns': ['feature_name', 'feature', 'condition', 'rule_input'],
            'kind': 'clustering feature', 'required': false},
        {'seed': 'cluster_segment_rules', 'columns': ['feature_name', 'feature', 'condition', 'rule_input',
            'cluster_name_word'],
            'kind': 'cluster rule input', 'required': false},
    ] -%}
    {%- for candidate in candidates -%}
        {%- set node = project_seed_node(candidate.seed) -%}
        {%- if node is none and candidate.required -%}
            {%- do exceptions.raise_compiler_error("Fairness check: seed " ~ candidate.seed ~ " is missing.") -%}
        {%- endif -%}
        {%- if node is not none -%}
            {%- set header = run_query("select * from read_csv(" ~ seed_file_literal(node)
                ~ ", header = true, all_varchar = true) limit 0").column_names | map('lower') | list -%}
            {%- set found = namespace(column=none) -%}
            {%- for column in candidate.columns -%}
                {%- if found.column is none and column in header -%}
                    {%- set found.column = column -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if found.column is none -%}
                {%- do exceptions.raise_compiler_error(
                    "Fairness check: seed " ~ candidate.seed ~ " (" ~ node.original_file_path ~ ") has none of the"
                    ~ " columns " ~ candidate.columns | join(', ') ~ " that name its inputs; extend macro"
                    ~ " protected_attribute_inputs (macros/governance/protected_attribute_usage.sql).") -%}
            {%- endif -%}
            {%- set key_column = ('grain' if 'grain' in header else found.column) -%}
            {%- if candidate.seed == 'segment_guardrails' and 'rule_id' in header -%}
                {%- set key_column = 'rule_id' -%}
            {%- endif -%}
            {%- do inputs.append({'seed': candidate.seed, 'node': node, 'column': found.column,
                'key_column': key_column, 'kind': candidate.kind}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{% endmacro %}


{#
    project_seed_node(name): the seed of this project called name, or none
    (parse-time metadata of the project: its file path; no relation is read).
#}
{% macro project_seed_node(name) %}
    {{ return(graph.nodes.get('seed.' ~ project_name ~ '.' ~ name)) }}
{% endmacro %}


{#
    seed_file_literal(node): the seed's CSV file (absolute path) as a quoted
    SQL string literal.
#}
{% macro seed_file_literal(node) %}
    {{ return(sql_string_literal(node.root_path ~ '/' ~ node.original_file_path)) }}
{% endmacro %}
