{#
    One row per experiment of seed policy_experiments with the direction in
    which its KPI is better (seed kpi_definitions) and the number of KPI
    periods (int_kpi_periods) wholly inside its pre and post windows (0 when a
    window lies outside the analysis window): what the estimates of
    int_policy_experiment_estimates are judged against (doc block
    experiment_analysis).
#}
with

experiments as (
    select * from {{ ref('policy_experiments') }}
),

kpis as (
    select * from {{ ref('kpi_definitions') }}
),

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

window_periods as (
    select
        experiments.experiment_id,
        count(
            case
                when experiments.pre_period_start_date <= periods.period_start_date
                    and experiments.start_date > periods.period_end_date
                    then 1
            end
        ) as pre_period_count,
        count(
            case
                when experiments.start_date <= periods.period_start_date
                    and experiments.end_date >= periods.period_end_date
                    then 1
            end
        ) as post_period_count
    from experiments
    cross join periods
    group by experiments.experiment_id
),

final as (
    select
        experiments.experiment_id,
        experiments.description,
        experiments.policy_change,
        experiments.grain,
        experiments.segment_scope,
        experiments.assignment_method,
        experiments.split_seed,
        experiments.treatment_share,
        experiments.pre_period_start_date,
        experiments.start_date,
        experiments.end_date,
        experiments.kpi_name,
        kpis.better_direction,
        experiments.alpha,
        experiments.minimum_detectable_effect,
        coalesce(window_periods.pre_period_count, 0) as pre_period_count,
        coalesce(window_periods.post_period_count, 0) as post_period_count
    from experiments
    inner join kpis
        on experiments.kpi_name = kpis.kpi_name
    left join window_periods
        on experiments.experiment_id = window_periods.experiment_id
)

select * from final
