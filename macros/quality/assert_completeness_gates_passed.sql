{#
    assert_completeness_gates_passed(gate_results) is a select of one row with
    column completeness_gates_passed = true, or a runtime error naming every
    failed error-severity gate and its measured value. gate_results is the
    name of the model's import CTE of int_completeness_gate_results, so the
    dependency is visible in the model:

        completeness_gates as (select * from {{ ref('int_completeness_gate_results') }}),
        gates_passed as ({{ assert_completeness_gates_passed('completeness_gates') }})

    Models that publish from the load (consolidated order lines, quarantine)
    cross join it, so
      - under `dbt build` the gate test fails first and dbt skips them and
        everything downstream;
      - under a plain `dbt run` (no tests) they fail themselves.
    Either way the marts of the last good load stay as they were.
#}
{% macro assert_completeness_gates_passed(gate_results) -%}
    select
        case
            when count(*) = 0 then true
            else error(
                'Completeness gates failed, nothing published: '
                || string_agg(result_message, '; ' order by gate_id)
            )
        end as completeness_gates_passed
    from {{ gate_results }}
    where not is_passed
        and severity = 'error'
{%- endmacro %}
