{#
    Generic test: the completeness gates of this load hold (see the doc block
    completeness_gates). Attached to int_completeness_gate_results; fails with
    one row per failed gate of the given severity, naming the gate, its
    measured share, where it was measured and the minimum.

    When the test runs (dbt build or dbt test) it also writes each failed
    gate's result_message to the log, so the console says which gate failed
    and by how much without a look into the database:
      completeness gate fx_rate_coverage FAILED: share_of_lines_with_fx_rate =
      0.0 at US01, month starting 2024-06-01 (0 of 97), minimum 0.95
#}
{% test completeness_gate(model, gate_severity='error') %}
    {%- if execute and flags.WHICH in ['build', 'test', 'retry'] -%}
        {%- set failed = run_query(
            "select result_message from " ~ model
            ~ " where not is_passed and severity = '" ~ gate_severity ~ "' order by gate_id"
        ) -%}
        {%- for message in failed.columns[0].values() -%}
            {%- do log(message, info=true) -%}
        {%- endfor -%}
    {%- endif %}

    select
        gate_id,
        measure,
        scope,
        measured_share,
        min_share,
        measured_at,
        measured_count,
        measured_base_count,
        missing_members,
        result_message
    from {{ model }}
    where not is_passed
        and severity = '{{ gate_severity }}'
{% endtest %}
