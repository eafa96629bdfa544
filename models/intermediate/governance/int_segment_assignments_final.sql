{#
    The published segment of every grain and entity, in this order:
      1. algorithm   (int_segment_assignments_algorithmic)
      2. guardrails  (int_segment_guardrail_adjustments: a tier is lifted to
                      the strictest limit of the rules that hold)
      3. static hold (var segment_mode = 'static' only: the segment published
                      at the last review is kept until the review is due or a
                      trigger fires; 'dynamic' re-segments every run)
      4. overrides   (int_segment_overrides_applicable: an override wins)
    Time is measured on var('reference_date'), the "as of" date of the run.

    Previous state: this model's own previous version, read through
    {{ this }} before dbt replaces it (the table materialization builds the
    new version under a temporary name first). It is not a ref, so there is
    no DAG cycle; on a first build, or when the previous version lacks a
    column read below, there is no previous state and every entity is a first
    assignment. In a unit test `this` is the name of the `this` fixture
    (a string) and stands in for the previous version.
#}
{%- set segment_mode = validated_var('segment_mode') -%}
{%- if segment_mode not in ['static', 'dynamic'] -%}
    {%- do exceptions.raise_compiler_error(
        "var segment_mode: '" ~ segment_mode ~ "' is not one of static, dynamic") -%}
{%- endif -%}
{%- set previous_columns = [
    'grain', 'entity_id', 'run_id', 'final_segment_code', 'final_service_tier',
    'pre_override_segment_code', 'pre_override_segment_name', 'pre_override_service_tier',
    'override_id', 'last_reviewed_date', 'reviewed_abc_measure', 'reviewed_abc_measure_value',
    'segment_valid_since_date', 'is_new_entity'
] -%}
{%- set previous_relation = none -%}
{%- if this is string -%}
    {%- set previous_relation = this -%}
{%- elif execute and this is not none -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is not none -%}
        {%- set existing_columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
        {%- set missing_columns = previous_columns | reject('in', existing_columns) | list -%}
        {%- if missing_columns | length == 0 -%}
            {%- set previous_relation = existing -%}
        {%- else -%}
            {%- do log(this ~ ": previous version lacks " ~ missing_columns | join(', ')
                ~ "; no previous state is used in this run", info=true) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif -%}
{%- set review_months = sql_number_var('review_frequency_months') -%}
{%- set reason_separator = '; ' -%}
with

algorithmic as (
    select * from {{ ref('int_segment_assignments_algorithmic') }}
),

guardrail_rules as (
    select * from {{ ref('int_segment_guardrail_adjustments') }}
),

overrides as (
    select * from {{ ref('int_segment_overrides_applicable') }}
),

previous_assignments as (
    {%- if previous_relation is not none %}
        select
            grain,
            entity_id,
            run_id,
            final_segment_code,
            final_service_tier,
            pre_override_segment_code,
            pre_override_segment_name,
            pre_override_service_tier,
            override_id,
            last_reviewed_date,
            reviewed_abc_measure,
            reviewed_abc_measure_value,
            segment_valid_since_date,
            is_new_entity
        from {{ previous_relation }}
    {%- else %}
        select
            cast(null as varchar) as grain,
            cast(null as varchar) as entity_id,
            cast(null as varchar) as run_id,
            cast(null as varchar) as final_segment_code,
            cast(null as integer) as final_service_tier,
            cast(null as varchar) as pre_override_segment_code,
            cast(null as varchar) as pre_override_segment_name,
            cast(null as integer) as pre_override_service_tier,
            cast(null as varchar) as override_id,
            cast(null as date) as last_reviewed_date,
            cast(null as varchar) as reviewed_abc_measure,
            cast(null as double) as reviewed_abc_measure_value,
            cast(null as date) as segment_valid_since_date,
            cast(null as boolean) as is_new_entity
        where false
    {%- endif %}
),

as_of as (
    select reference_date from {{ ref('int_reference_date') }}
),

segment_names as (
    -- Name of each segment code (seed abc_xyz_segments), for segments forced by an override.
    select
        segment_code,
        segment_name
    from {{ ref('abc_xyz_segments') }}
),

guardrails_by_entity as (
    select
        grain,
        entity_id,
        min(rule_service_tier_limit) as strictest_guardrail_tier_limit,
        min(guardrail_service_tier) as guardrail_service_tier,
        max(case when is_binding_rule then rule_id end) as guardrail_rule_id,
        string_agg(
            case
                when is_tier_lifted
                    then 'GUARDRAIL:' || rule_id || ' tier at most '
                        || cast(rule_service_tier_limit as {{ dbt.type_string() }})
            end,
            '{{ reason_separator }}' order by rule_id
        ) as guardrail_reason_codes
    from guardrail_rules
    group by grain, entity_id
),

guarded as (
    select
        algorithmic.*,
        as_of.reference_date,
        algorithmic.segment_code as algorithmic_segment_code,
        algorithmic.segment_name as algorithmic_segment_name,
        algorithmic.service_tier as algorithmic_service_tier,
        guardrails_by_entity.guardrail_rule_id,
        guardrails_by_entity.guardrail_reason_codes,
        guardrails_by_entity.strictest_guardrail_tier_limit,
        coalesce(guardrails_by_entity.guardrail_rule_id is not null, false) as is_guardrail_adjusted,
        coalesce(guardrails_by_entity.guardrail_service_tier, algorithmic.service_tier) as guardrail_service_tier
    from algorithmic
    cross join as_of
    left join guardrails_by_entity
        on
            algorithmic.grain = guardrails_by_entity.grain
            and algorithmic.entity_id = guardrails_by_entity.entity_id
),

review_checks as (
    select
        guarded.*,
        overrides.override_id,
        overrides.forced_segment_code as override_forced_segment_code,
        overrides.forced_service_tier as override_forced_service_tier,
        overrides.override_reason,
        overrides.override_contract_reference,
        overrides.override_approved_date,
        overrides.override_valid_from,
        overrides.override_valid_to,
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
        abs(guarded.abc_measure_value - previous_assignments.reviewed_abc_measure_value)
        / nullif(abs(previous_assignments.reviewed_abc_measure_value), 0) as abc_measure_value_change_share,
        (guarded.abc_measure is distinct from previous_assignments.reviewed_abc_measure) as is_abc_measure_switched,
        (guarded.abc_measure_value is distinct from previous_assignments.reviewed_abc_measure_value)
            as is_abc_measure_value_different
    from guarded
    left join overrides
        on
            guarded.grain = overrides.grain
            and guarded.entity_id = overrides.entity_id
    left join previous_assignments
        on
            guarded.grain = previous_assignments.grain
            and guarded.entity_id = previous_assignments.entity_id
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
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from compared
)

select * from final
