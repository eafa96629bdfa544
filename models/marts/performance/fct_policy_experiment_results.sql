{#
    A/B tests of policy changes: per experiment of seed policy_experiments,
    its design, the difference-in-differences estimate of the KPI change the
    policy caused, the confidence interval, p-value, power note and whether
    the change can be rolled out (int_policy_experiment_estimates; doc block
    experiment_analysis).
#}
with

designs as (
    select * from {{ ref('int_policy_experiment_designs') }}
),

estimates as (
    select * from {{ ref('int_policy_experiment_estimates') }}
),

final as (
    select
        designs.experiment_id,
        designs.description,
        designs.policy_change,
        designs.grain,
        designs.segment_scope,
        designs.assignment_method,
        designs.pre_period_start_date,
        designs.start_date,
        designs.end_date,
        designs.kpi_name,
        designs.better_direction,
        designs.alpha,
        designs.minimum_detectable_effect,
        estimates.treatment_entity_count,
        estimates.control_entity_count,
        estimates.treatment_pre_value,
        estimates.treatment_post_value,
        estimates.control_pre_value,
        estimates.control_post_value,
        estimates.did_estimate,
        estimates.standard_error,
        estimates.ci_lower,
        estimates.ci_upper,
        estimates.p_value,
        estimates.is_significant,
        estimates.achieved_power_at_mde,
        estimates.mde_at_80_power,
        estimates.decision,
        estimates.decision_reason,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from designs
    inner join estimates
        on designs.experiment_id = estimates.experiment_id
)

select * from final
