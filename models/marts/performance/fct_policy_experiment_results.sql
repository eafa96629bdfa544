{#
    A/B tests of policy changes: per experiment of seed policy_experiments,
    its design, the difference-in-differences estimate of the KPI change the
    policy caused, the confidence interval, p-value, power note and whether
    the change can be rolled out (int_policy_experiment_estimates; doc block
    experiment_analysis).
#}
with

estimates as (
    select * from {{ ref('int_policy_experiment_estimates') }}
),

final as (
    select
        experiment_id,
        description,
        policy_change,
        grain,
        segment_scope,
        assignment_method,
        cast(pre_period_start_date as date) as pre_period_start_date,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        kpi_name,
        better_direction,
        alpha,
        minimum_detectable_effect,
        pre_period_count,
        post_period_count,
        treatment_entity_count,
        control_entity_count,
        treatment_pre_value,
        treatment_post_value,
        control_pre_value,
        control_post_value,
        did_estimate,
        standard_error,
        ci_lower,
        ci_upper,
        p_value,
        is_significant,
        achieved_power_at_mde,
        mde_at_80_power,
        decision,
        decision_reason,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from estimates
)

select * from final
