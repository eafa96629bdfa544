{#
    The A/B-test panel: one row per experiment (seed policy_experiments),
    entity of its grain in its segment scope and KPI period wholly inside its
    pre or post window where the KPI has a denominator: the group
    (treatment or control, doc block experiment_assignment), the phase (pre
    or post) and the KPI's numerator and denominator, read from the
    entity-period counts of int_order_lines_by_entity_period through the
    one definition of each line-count KPI (macro kpi_line_ratios). The
    difference-in-differences estimate is computed from this panel by the
    Python model int_policy_experiment_estimates.
#}
with

experiments as (
    select * from {{ ref('policy_experiments') }}
),

listed_entities as (
    select * from {{ ref('policy_experiment_entities') }}
),

entity_periods as (
    select * from {{ ref('int_order_lines_by_entity_period') }}
),

assignments as (
    select * from {{ ref('int_segment_assignments_final') }}
    where grain in ('customer', 'product')
),

in_windows as (
    select
        experiments.experiment_id,
        experiments.grain,
        experiments.segment_scope,
        experiments.assignment_method,
        experiments.split_seed,
        experiments.treatment_share,
        experiments.kpi_name,
        entity_periods.entity_id,
        entity_periods.fiscal_period_key,
        entity_periods.period_start_date,
        entity_periods.period_end_date,
        case
            when entity_periods.period_end_date < experiments.start_date then 'pre'
            else 'post'
        end as phase,
        case experiments.kpi_name
            {%- for kpi_name, ratio in kpi_line_ratios().items() %}
                when '{{ kpi_name }}' then entity_periods.{{ ratio[0] }}
            {%- endfor %}
        end as kpi_numerator,
        case experiments.kpi_name
            {%- for kpi_name, ratio in kpi_line_ratios().items() %}
                when '{{ kpi_name }}' then entity_periods.{{ ratio[1] }}
            {%- endfor %}
        end as kpi_denominator
    from experiments
    inner join entity_periods
        on experiments.grain = entity_periods.grain
            and (
                (
                    experiments.pre_period_start_date <= entity_periods.period_start_date
                    and experiments.start_date > entity_periods.period_end_date
                )
                or (
                    experiments.start_date <= entity_periods.period_start_date
                    and experiments.end_date >= entity_periods.period_end_date
                )
            )
),

scoped as (
    select
        in_windows.*,
        assignments.final_segment_code as segment_code,
        listed_entities.entity_id is not null as is_listed
    from in_windows
    left join assignments
        on in_windows.grain = assignments.grain
            and in_windows.entity_id = assignments.entity_id
    left join listed_entities
        on in_windows.experiment_id = listed_entities.experiment_id
            and in_windows.entity_id = listed_entities.entity_id
    where
        in_windows.kpi_denominator > 0
        and (in_windows.segment_scope = '*' or assignments.final_segment_code = in_windows.segment_scope)
),

split as (
    select
        *,
        {{ split_share(dbt.concat(["cast(split_seed as " ~ dbt.type_string() ~ ")", "':'", "entity_id"])) }}
            as split_share
    from scoped
),

final as (
    select
        experiment_id,
        grain,
        entity_id,
        fiscal_period_key,
        segment_code,
        period_start_date,
        period_end_date,
        phase,
        kpi_name,
        split_share,
        cast(kpi_numerator as double) as kpi_numerator,
        cast(kpi_denominator as double) as kpi_denominator,
        case
            when assignment_method = 'listed' and is_listed then 'treatment'
            when assignment_method = 'random_split' and split_share < treatment_share then 'treatment'
            else 'control'
        end as experiment_group,
        cast(kpi_numerator as double) / kpi_denominator as kpi_value
    from split
)

select * from final
