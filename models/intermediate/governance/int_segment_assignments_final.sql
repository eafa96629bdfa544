{#
    The published segment of every grain and entity: spine step 7, the last.
    It reads int_segment_assignments_overrides_matched (which carries the
    algorithm, the guardrails and the applicable override) and the previous
    published state (int_segment_assignments_previous), and applies, in order:
      1. algorithm   (int_segment_assignments_algorithmic)
      2. guardrails  (int_segment_assignments_guardrailed: a tier is lifted to
                      the strictest limit of the rules that hold)
      3. static hold (var segment_mode = 'static' only: the segment published
                      at the last review is kept until the review is due or a
                      trigger fires; 'dynamic' re-segments every run)
      4. overrides   (int_segment_assignments_overrides_matched: an override wins)
    Time is measured on the "as of" date of the run (int_reference_date),
    carried in by int_segment_assignments_overrides_matched.
    The entity attributes and measures the segment dims publish are carried
    through, so each dim reads this model only.
#}
{%- set segment_mode = validated_var('segment_mode') -%}
{%- if segment_mode not in ['static', 'dynamic'] -%}
    {%- do exceptions.raise_compiler_error(
        "var segment_mode: '" ~ segment_mode ~ "' is not one of static, dynamic") -%}
{%- endif -%}
{%- set review_months = sql_number_var('review_frequency_months') -%}
{%- set reason_separator = '; ' -%}
with

assignments as (
    select * from {{ ref('int_segment_assignments_overrides_matched') }}
),

previous_assignments as (
    select * from {{ ref('int_segment_assignments_previous') }}
),

segment_names as (
    -- Name of each segment code (seed abc_xyz_segments), for segments forced by an override.
    select
        segment_code,
        segment_name
    from {{ ref('abc_xyz_segments') }}
),

review_checks as (
    select
        assignments.*,
        assignments.segment_code as algorithmic_segment_code,
        assignments.segment_name as algorithmic_segment_name,
        assignments.service_tier as algorithmic_service_tier,
        previous_assignments.entity_id is not null as has_previous_assignment,
        previous_assignments.run_id as previous_run_id,
        previous_assignments.final_segment_code as previous_final_segment_code,
        previous_assignments.final_service_tier as previous_final_service_tier,
        previous_assignments.pre_override_segment_code as previous_pre_override_segment_code,
        previous_assignments.pre_override_segment_name as previous_pre_override_segment_name,
        previous_assignments.pre_override_service_tier as previous_pre_override_service_tier,
        previous_assignments.override_id as previous_override_id,
        previous_assignments.last_reviewed_date as previous_last_reviewed_date,
        previous_assignments.reviewed_abc_measure as previous_reviewed_abc_measure,
        previous_assignments.reviewed_abc_measure_value as previous_reviewed_abc_measure_value,
        previous_assignments.segment_valid_since_date as previous_segment_valid_since_date,
        previous_assignments.is_new_entity as was_new_entity,
        cast(
            {{ dbt.dateadd('month', review_months, 'previous_assignments.last_reviewed_date') }}
            as date
        ) as previous_review_due_date,
        abs(assignments.abc_measure_value - previous_assignments.reviewed_abc_measure_value)
        / nullif(abs(previous_assignments.reviewed_abc_measure_value), 0) as abc_measure_value_change_share,
        (assignments.abc_measure is distinct from previous_assignments.reviewed_abc_measure) as is_abc_measure_switched,
        (assignments.abc_measure_value is distinct from previous_assignments.reviewed_abc_measure_value)
            as is_abc_measure_value_different
    from assignments
    left join previous_assignments
        on
            assignments.grain = previous_assignments.grain
            and assignments.entity_id = previous_assignments.entity_id
),

reviewed as (
    select
        *,
        case
            when not has_previous_assignment then 'first_assignment'
            {%- if segment_mode == 'dynamic' %}
                else 'dynamic_mode'
            {%- else %}
                when coalesce(is_new_entity or was_new_entity, false) then 'new_entity'
                when override_id is not null or previous_override_id is not null then 'override'
                when
                    previous_last_reviewed_date is null
                    or reference_date >= previous_review_due_date
                    or reference_date < previous_last_reviewed_date
                    then 'review_due'
                when
                    is_abc_measure_switched
                    or (abc_measure_value_change_share is null and is_abc_measure_value_different)
                    or abc_measure_value_change_share > {{ sql_number_var('static_review_value_change_threshold') }}
                    then 'value_change'
                when previous_pre_override_service_tier > strictest_guardrail_tier_limit then 'guardrail'
            {%- endif %}
        end as review_trigger
    from review_checks
),

published as (
    select
        *,
        review_trigger is null as is_segment_held,
        case
            when review_trigger is null then previous_pre_override_segment_code else algorithmic_segment_code
        end as pre_override_segment_code,
        case
            when review_trigger is null then previous_pre_override_segment_name else algorithmic_segment_name
        end as pre_override_segment_name,
        case
            when review_trigger is null then previous_pre_override_service_tier else guardrail_service_tier
        end as pre_override_service_tier,
        case
            when review_trigger is null then previous_last_reviewed_date else reference_date
        end as last_reviewed_date,
        case
            when review_trigger is null then previous_reviewed_abc_measure else abc_measure
        end as reviewed_abc_measure,
        case
            when review_trigger is null then previous_reviewed_abc_measure_value else abc_measure_value
        end as reviewed_abc_measure_value
    from reviewed
),

overridden as (
    select
        published.*,
        published.override_id is not null as is_overridden,
        coalesce(published.override_forced_segment_code, published.pre_override_segment_code)
            as final_segment_code,
        case
            when published.override_id is null then published.pre_override_segment_name
            else coalesce(segment_names.segment_name, published.override_forced_segment_code)
        end as final_segment_name,
        coalesce(published.override_forced_service_tier, published.pre_override_service_tier)
            as final_service_tier
    from published
    left join segment_names
        on published.override_forced_segment_code = segment_names.segment_code
),

compared as (
    select
        *,
        (
            (final_segment_code is distinct from previous_final_segment_code)
            or (final_service_tier is distinct from previous_final_service_tier)
        ) as is_final_segment_different
    from overridden
),

final as (
    select
        grain,
        entity_id,
        reference_date,
        '{{ segment_mode }}' as segment_mode,
        abc_measure,
        abc_measure_value,
        abc_class,
        xyz_class,
        coefficient_of_variation,
        demand_pattern,
        lifecycle_status,
        is_new_entity,
        is_provisional,
        multi_criteria_class,
        value_score,
        service_sensitivity_score,
        forecastability_score,
        geography_score,
        weighted_score,
        dimensions_used,
        is_key_account,
        has_service_clause,
        algorithmic_segment_code,
        algorithmic_segment_name,
        algorithmic_service_tier,
        is_guardrail_adjusted,
        guardrail_rule_id,
        strictest_guardrail_tier_limit,
        guardrail_service_tier,
        is_segment_held,
        review_trigger,
        last_reviewed_date,
        {%- if segment_mode == 'static' %}
            cast(
                {{ dbt.dateadd('month', review_months, 'last_reviewed_date') }}
                as date
            ) as next_review_due_date,
        {%- else %}
            cast(null as date) as next_review_due_date,
        {%- endif %}
        reviewed_abc_measure,
        reviewed_abc_measure_value,
        abc_measure_value_change_share,
        pre_override_segment_code,
        pre_override_segment_name,
        pre_override_service_tier,
        is_overridden,
        override_id,
        override_forced_segment_code,
        override_forced_service_tier,
        override_reason,
        override_contract_reference,
        override_approved_date,
        override_valid_from,
        override_valid_to,
        final_segment_code,
        final_segment_name,
        final_service_tier,
        previous_run_id,
        previous_final_segment_code,
        previous_final_service_tier,
        has_previous_assignment and is_final_segment_different as is_segment_changed_this_run,
        case
            when has_previous_assignment and not is_final_segment_different then previous_segment_valid_since_date
            else reference_date
        end as segment_valid_since_date,
        concat_ws(
            '{{ reason_separator }}',
            nullif(reason_codes, ''),
            case when not is_segment_held then guardrail_reason_codes end,
            case when is_segment_held then 'HELD:reviewed ' || cast(last_reviewed_date as {{ dbt.type_string() }}) end,
            {%- if segment_mode == 'static' %}
                case when not is_segment_held then 'REVIEW:' || review_trigger end,
            {%- endif %}
            case when override_id is not null then 'OVERRIDE:' || override_id end
        ) as reason_codes,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at,
        abc_measure_rank,
        abc_measure_fallback_reason,
        abc_cumulative_share,
        is_non_positive_contributor,
        revenue_rep_ccy,
        gross_margin_rep_ccy,
        volume_quantity,
        order_line_count,
        global_account_id,
        business_unit_count,
        erp_customer_count,
        sales_region,
        product_name,
        product_family,
        unit_of_measure,
        lead_time_days,
        cluster_id,
        cluster_name,
        cluster_service_tier_adjustment
    from compared
)

select * from final
