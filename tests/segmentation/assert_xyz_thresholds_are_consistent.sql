-- Seed xyz_thresholds: the CV limits are positive and rise with class_rank (swapped limits would leave a
-- class empty: with X at 1.0 and Y at 0.5 no entity is ever Y). Returns the offending rows, each with a
-- message naming the row; severity error, and it runs right after the seed in `dbt build`, so nothing
-- that reads the seed is built from a broken one.
{{ config(severity='error') }}
{%- set check -%}
    with

    thresholds as (
        select
            xyz_class,
            class_rank,
            cv_upper,
            lag(xyz_class) over (order by class_rank) as previous_class,
            lag(cv_upper) over (order by class_rank) as previous_upper
        from {{ ref('xyz_thresholds') }}
    )

    select
        xyz_class,
        class_rank,
        cv_upper,
        previous_class,
        previous_upper,
        'seed xyz_thresholds, row ' || xyz_class || ' (class_rank ' || class_rank || ', cv_upper ' || cv_upper
        || '): '
        || case
            when cv_upper <= 0 then 'cv_upper must be above 0'
            else 'cv_upper must be above ' || previous_upper || ', the cv_upper of class ' || previous_class
                || ' ranked before it (limits rise with class_rank)'
        end as failure_message
    from thresholds
    where cv_upper <= 0
        or cv_upper <= previous_upper
{%- endset -%}
{{ log_check_failures(check) }}
{{ check }}
