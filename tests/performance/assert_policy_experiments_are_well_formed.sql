{#
    Seed policy_experiments must describe experiments the panel can compute:
    a line-count KPI (macro kpi_line_ratios), ordered windows, alpha and the
    minimum detectable effect in range, split seed and treatment share set for
    a random split and empty for a listed one, and listed experiments with
    entities in seed policy_experiment_entities. Returns one row per problem
    naming the experiment and column.
#}
{{ config(severity='error') }}
{%- set supported_kpis = "'" ~ (kpi_line_ratios().keys() | join("', '")) ~ "'" %}
with

experiments as (
    select * from {{ ref('policy_experiments') }}
),

listed_entities as (
    select * from {{ ref('policy_experiment_entities') }}
),

listed_counts as (
    select
        experiment_id,
        count(*) as entity_count
    from listed_entities
    group by experiment_id
),

checked as (
    select
        experiments.experiment_id,
        case
            when experiments.kpi_name not in ({{ supported_kpis }})
                then 'kpi_name: not a line-count KPI (on_time_rate, in_full_rate, otif_rate, line_fill_rate)'
            when experiments.start_date <= experiments.pre_period_start_date
                or experiments.end_date < experiments.start_date
                then 'pre_period_start_date < start_date <= end_date does not hold'
            when not (experiments.alpha > 0 and experiments.alpha < 1)
                then 'alpha: must be strictly between 0 and 1'
            when not experiments.minimum_detectable_effect > 0
                then 'minimum_detectable_effect: must be above 0'
            when experiments.assignment_method = 'random_split'
                and (experiments.split_seed is null or not coalesce(
                    experiments.treatment_share > 0 and experiments.treatment_share < 1, false
                ))
                then 'random_split needs split_seed and a treatment_share strictly between 0 and 1'
            when experiments.assignment_method = 'listed'
                and (experiments.split_seed is not null or experiments.treatment_share is not null)
                then 'listed: split_seed and treatment_share must be empty'
            when experiments.assignment_method = 'listed' and listed_counts.entity_count is null
                then 'listed: no entity in seed policy_experiment_entities'
        end as failure_reason
    from experiments
    left join listed_counts
        on experiments.experiment_id = listed_counts.experiment_id
)

select
    experiment_id,
    failure_reason
from checked
where failure_reason is not null
