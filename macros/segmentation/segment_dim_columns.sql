{#
    The columns every per-grain segment dim publishes, in contract order: the
    ABC ranking, the value measures, the dimension classes and scores,
    guardrail, override audit and final segment, all read from
    int_segment_assignments_final as <assignments> (the end of the
    segmentation spine, which carries them forward), and the run stamp.
    One list, so dim_customer_segments and dim_product_segments cannot drift.
#}
{% macro segment_dim_columns(assignments='assignments') -%}
        {{ assignments }}.abc_class,
        {{ assignments }}.abc_measure,
        {{ assignments }}.abc_measure_fallback_reason,
        {{ assignments }}.abc_measure_value,
        cast({{ assignments }}.abc_measure_rank as bigint) as abc_rank,
        {{ assignments }}.abc_cumulative_share,
        {{ assignments }}.is_non_positive_contributor,
        {{ assignments }}.revenue_rep_ccy,
        {{ assignments }}.gross_margin_rep_ccy,
        {{ assignments }}.volume_quantity,
        cast({{ assignments }}.order_line_count as bigint) as order_line_count,
        {{ assignments }}.xyz_class,
        cast({{ assignments }}.coefficient_of_variation as double) as coefficient_of_variation,
        {{ assignments }}.demand_pattern,
        {{ assignments }}.is_new_entity,
        {{ assignments }}.is_provisional,
        {{ assignments }}.multi_criteria_class,
        cast({{ assignments }}.value_score as double) as value_score,
        cast({{ assignments }}.service_sensitivity_score as double) as service_sensitivity_score,
        cast({{ assignments }}.forecastability_score as double) as forecastability_score,
        cast({{ assignments }}.geography_score as double) as geography_score,
        cast({{ assignments }}.weighted_score as double) as weighted_score,
        {{ assignments }}.dimensions_used,
        {{ assignments }}.algorithmic_segment_code,
        {{ assignments }}.algorithmic_segment_name,
        cast({{ assignments }}.algorithmic_service_tier as integer) as algorithmic_service_tier,
        {{ assignments }}.is_guardrail_adjusted,
        {{ assignments }}.guardrail_rule_id,
        {{ assignments }}.is_overridden,
        {{ assignments }}.override_id,
        {{ assignments }}.override_reason,
        {{ assignments }}.override_contract_reference,
        {{ assignments }}.override_valid_to,
        {{ assignments }}.final_segment_code,
        {{ assignments }}.final_segment_name,
        cast({{ assignments }}.final_service_tier as integer) as final_service_tier,
        {{ assignments }}.segment_mode,
        {{ assignments }}.is_segment_held,
        {{ assignments }}.next_review_due_date,
        {{ assignments }}.is_segment_changed_this_run,
        {{ assignments }}.segment_valid_since_date,
        {{ assignments }}.reason_codes,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
{%- endmacro %}
