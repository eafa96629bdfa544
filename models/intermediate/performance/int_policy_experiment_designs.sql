{#
    One row per experiment of seed policy_experiments with the direction in
    which its KPI is better (seed kpi_definitions): what the estimates of
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
        experiments.minimum_detectable_effect
    from experiments
    inner join kpis
        on experiments.kpi_name = kpis.kpi_name
)

select * from final
