-- Seed demand_pattern_cutoffs: both cut-offs are present, the ADI cut-off is above 1 (ADI is at least one
-- period per demand, so a cut-off at or below 1 calls every entity intermittent or lumpy) and the CV²
-- cut-off is above 0. Returns the offending rows, each with a message naming the row; severity error,
-- and it runs right after the seed in `dbt build`, so no demand pattern is built from a broken seed.
{{ config(severity='error') }}
{%- set check -%}
    with

    cutoffs as (
        select
            parameter,
            value
        from {{ ref('demand_pattern_cutoffs') }}
    ),

    expected as (
        select
            parameter,
            lowest_exclusive
        from (values ('adi_cutoff', 1.0), ('cv_squared_cutoff', 0.0)) as expected_parameters (parameter, lowest_exclusive)
    )

    select
        expected.parameter,
        cutoffs.value,
        'seed demand_pattern_cutoffs, row ' || expected.parameter || ': '
        || case
            when cutoffs.parameter is null then 'missing; add a row with parameter ' || expected.parameter
            else 'value ' || cutoffs.value || ' must be above ' || expected.lowest_exclusive
                || case
                    when expected.parameter = 'adi_cutoff'
                        then ' (ADI is at least 1, so a lower cut-off calls every entity intermittent)'
                    else ' (CV² is never negative)'
                end
        end as failure_message
    from expected
    left join cutoffs
        on expected.parameter = cutoffs.parameter
    where cutoffs.parameter is null
        or cutoffs.value <= expected.lowest_exclusive
{%- endset -%}
{{ log_check_failures(check) }}
{{ check }}
