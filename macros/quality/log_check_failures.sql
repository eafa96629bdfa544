{#
    log_check_failures(check_sql): for a singular test whose query returns a
    column failure_message, writes every failing row's message to the log when
    the test runs (dbt build or dbt test), so the console names the offending
    seed row instead of only counting failures. Renders nothing.
#}
{% macro log_check_failures(check_sql) %}
    {%- if execute and flags.WHICH in ['build', 'test', 'retry'] -%}
        {%- set failed = run_query('select failure_message from (' ~ check_sql ~ ') as failures order by 1') -%}
        {%- for message in failed.columns[0].values() -%}
            {%- do log('Seed check FAILED: ' ~ message, info=true) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
