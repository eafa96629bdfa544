{#
    segment_impact_assessment(candidate_database, candidate_schema,
                              published_database, published_schema)

    The impact of publishing a candidate build: SQL selecting one row per
    grain and entity whose published segment or service tier would change,
    or that would enter or leave the published assignments, comparing the
    marts of the candidate (candidate_database.candidate_schema) with those of
    the published build (published_database.published_schema). The databases
    are DuckDB catalogs: this build's own, or a published file attached
    READ_ONLY (on-run-start attach_published_database, or by the publish step
    itself). A database given as none is this build's (target.database).

    Every name is checked against ^[A-Za-z_][A-Za-z0-9_]{0,62}$ before it is
    used, and rendered as a quoted identifier: no input text becomes SQL.
    Columns (doc block segment_impact_assessment): grain, entity_id,
    change_kind (segment_changed | service_tier_changed | entered | exited),
    is_segment_changed, published_/candidate_ segment code, name, service tier
    and run id, candidate_reference_date, revenue_rep_ccy and
    gross_margin_rep_ccy (of the customer or product in the candidate, else
    the published build; null at other grains).
#}
{% macro segment_impact_assessment(candidate_database, candidate_schema, published_database, published_schema) %}
    {%- set candidate = impact_schema_prefix(candidate_database, candidate_schema, 'candidate') -%}
    {%- set published = impact_schema_prefix(published_database, published_schema, 'published') %}
with

candidate_assignments as (
    select grain, entity_id, final_segment_code, final_segment_name, final_service_tier, run_id, reference_date
    from {{ candidate }}.fct_segment_assignments
),

published_assignments as (
    select grain, entity_id, final_segment_code, final_segment_name, final_service_tier, run_id
    from {{ published }}.fct_segment_assignments
),

candidate_run as (
    select
        max(run_id) as run_id,
        max(reference_date) as reference_date
    from candidate_assignments
),

published_run as (
    select max(run_id) as run_id from published_assignments
),

entity_values as (
    {%- for side in ['candidate', 'published'] %}
        {%- set prefix = candidate if side == 'candidate' else published %}
        select
            '{{ side }}' as side,
            'customer' as grain,
            customer_segment_id as entity_id,
            revenue_rep_ccy,
            gross_margin_rep_ccy
        from {{ prefix }}.dim_customer_segments
        union all
        select
            '{{ side }}' as side,
            'product' as grain,
            product_id as entity_id,
            revenue_rep_ccy,
            gross_margin_rep_ccy
        from {{ prefix }}.dim_product_segments
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

compared as (
    select
        coalesce(candidate_assignments.grain, published_assignments.grain) as grain,
        coalesce(candidate_assignments.entity_id, published_assignments.entity_id) as entity_id,
        published_assignments.final_segment_code as published_segment_code,
        candidate_assignments.final_segment_code as candidate_segment_code,
        published_assignments.final_segment_name as published_segment_name,
        candidate_assignments.final_segment_name as candidate_segment_name,
        published_assignments.final_service_tier as published_service_tier,
        candidate_assignments.final_service_tier as candidate_service_tier,
        case
            when published_assignments.entity_id is null then 'entered'
            when candidate_assignments.entity_id is null then 'exited'
            when candidate_assignments.final_segment_code <> published_assignments.final_segment_code
                then 'segment_changed'
            when candidate_assignments.final_service_tier is distinct from published_assignments.final_service_tier
                then 'service_tier_changed'
        end as change_kind
    from candidate_assignments
    full outer join published_assignments
        on
            candidate_assignments.grain = published_assignments.grain
            and candidate_assignments.entity_id = published_assignments.entity_id
),

changed as (
    select * from compared
    where change_kind is not null
),

final as (
    select
        changed.grain,
        changed.entity_id,
        changed.change_kind,
        changed.change_kind = 'segment_changed' as is_segment_changed,
        changed.published_segment_code,
        changed.candidate_segment_code,
        changed.published_segment_name,
        changed.candidate_segment_name,
        cast(changed.published_service_tier as integer) as published_service_tier,
        cast(changed.candidate_service_tier as integer) as candidate_service_tier,
        published_run.run_id as published_run_id,
        candidate_run.run_id as candidate_run_id,
        candidate_run.reference_date as candidate_reference_date,
        cast(coalesce(candidate_values.revenue_rep_ccy, published_values.revenue_rep_ccy) as double)
            as revenue_rep_ccy,
        cast(coalesce(candidate_values.gross_margin_rep_ccy, published_values.gross_margin_rep_ccy) as double)
            as gross_margin_rep_ccy
    from changed
    cross join candidate_run
    cross join published_run
    left join entity_values as candidate_values
        on
            candidate_values.side = 'candidate'
            and changed.grain = candidate_values.grain
            and changed.entity_id = candidate_values.entity_id
    left join entity_values as published_values
        on
            published_values.side = 'published'
            and changed.grain = published_values.grain
            and changed.entity_id = published_values.entity_id
)

select * from final
{%- endmacro %}


{#
    impact_schema_prefix(database, schema, role): "<database>"."<schema>" for
    the impact assessment, after checking both names against the identifier
    pattern; database none = this build's database. role (candidate or
    published) names the argument in the error.
#}
{% macro impact_schema_prefix(database, schema, role) %}
    {%- set database = target.database if database is none else database -%}
    {%- for name, value in [('database', database), ('schema', schema)] -%}
        {%- if value is none or value is not string
            or not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]{0,62}', value) -%}
            {%- do exceptions.raise_compiler_error(
                "Impact assessment: the " ~ role ~ " " ~ name ~ " " ~ (value | string) ~ " is not a plain identifier"
                ~ " (letters, digits and _, starting with a letter or _, at most 63 characters); no other text is"
                ~ " accepted as a database or schema name.") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(adapter.quote(database) ~ '.' ~ adapter.quote(schema)) }}
{% endmacro %}


{#
    fill_placeholders(template_sql, values): SQL replacing each {name} in the
    text of template_sql by its value: values is a list of [name, sql
    expression] pairs, applied in order (nested replace). The names are
    fixed in the calling model, never read from input.
#}
{% macro fill_placeholders(template_sql, values) -%}
    {%- set rendered = namespace(sql=template_sql) -%}
    {%- for name, value_sql in values -%}
        {%- set rendered.sql = "replace(" ~ rendered.sql ~ ", '{" ~ name ~ "}', coalesce(" ~ value_sql ~ ", ''))" -%}
    {%- endfor -%}
    {{ rendered.sql }}
{%- endmacro %}


{#
    segment_impact_item_policies(candidate_database, candidate_schema,
                                 published_database, published_schema)

    The policy changes of a candidate build per item (product x plant):
    SQL selecting one row per item of fct_item_policy_parameters (either
    build) whose policy, target cycle service level, stocking strategy,
    safety stock, reorder point or lot size differs, or that enters or
    leaves, with both values, the deltas and the working-capital delta (policy
    stock value candidate minus published; policy stock = safety stock + lot
    size / 2 at unit value, 0 for no_stock, as fct_policy_working_capital).
    is_product_moved: the product's final segment differs between the builds.
    Quantities are compared with a relative tolerance of 1e-9 (doc block
    segment_impact_policies). Names are checked as in segment_impact_assessment.
#}
{% macro segment_impact_item_policies(candidate_database, candidate_schema, published_database, published_schema) %}
    {%- set candidate = impact_schema_prefix(candidate_database, candidate_schema, 'candidate') -%}
    {%- set published = impact_schema_prefix(published_database, published_schema, 'published') %}
with

{% for side, prefix in [('candidate', candidate), ('published', published)] -%}
{{ side }}_items as (
    select
        product_id,
        plant_id,
        final_segment_code,
        policy_id,
        stocking_strategy,
        target_cycle_service_level,
        safety_stock_method,
        safety_stock_quantity,
        reorder_point_quantity,
        lot_size_quantity,
        run_id,
        {{ policy_stock('safety_stock_method', 'safety_stock_quantity', 'lot_size_quantity', 'unit_value_rep_ccy') }}
            as policy_stock_value_rep_ccy
    from {{ prefix }}.fct_item_policy_parameters
),

{% endfor -%}
run_ids as (
    select
        (select max(run_id) from published_items) as published_run_id,
        (select max(run_id) from candidate_items) as candidate_run_id
),

compared as (
    select
        coalesce(candidate_items.product_id, published_items.product_id) as product_id,
        coalesce(candidate_items.plant_id, published_items.plant_id) as plant_id,
        published_items.final_segment_code as published_segment_code,
        candidate_items.final_segment_code as candidate_segment_code,
        published_items.policy_id as published_policy_id,
        candidate_items.policy_id as candidate_policy_id,
        published_items.stocking_strategy as published_stocking_strategy,
        candidate_items.stocking_strategy as candidate_stocking_strategy,
        published_items.target_cycle_service_level as published_target_cycle_service_level,
        candidate_items.target_cycle_service_level as candidate_target_cycle_service_level,
        published_items.safety_stock_method as published_safety_stock_method,
        candidate_items.safety_stock_method as candidate_safety_stock_method,
        published_items.safety_stock_quantity as published_safety_stock_quantity,
        candidate_items.safety_stock_quantity as candidate_safety_stock_quantity,
        published_items.reorder_point_quantity as published_reorder_point_quantity,
        candidate_items.reorder_point_quantity as candidate_reorder_point_quantity,
        published_items.lot_size_quantity as published_lot_size_quantity,
        candidate_items.lot_size_quantity as candidate_lot_size_quantity,
        published_items.policy_stock_value_rep_ccy as published_policy_stock_value_rep_ccy,
        candidate_items.policy_stock_value_rep_ccy as candidate_policy_stock_value_rep_ccy,
        case
            when published_items.product_id is null then 'entered'
            when candidate_items.product_id is null then 'exited'
            else 'policy_changed'
        end as change_kind,
        candidate_items.final_segment_code is distinct from published_items.final_segment_code as is_product_moved,
        candidate_items.policy_id is distinct from published_items.policy_id as is_policy_changed,
        candidate_items.target_cycle_service_level is distinct from published_items.target_cycle_service_level
            as is_service_level_changed,
        {{ impact_quantity_differs('candidate_items.safety_stock_quantity', 'published_items.safety_stock_quantity') }}
            as is_safety_stock_changed,
        {{ impact_quantity_differs('candidate_items.reorder_point_quantity', 'published_items.reorder_point_quantity') }}
            as is_reorder_point_changed,
        {{ impact_quantity_differs('candidate_items.lot_size_quantity', 'published_items.lot_size_quantity') }}
            as is_lot_size_changed,
        candidate_items.stocking_strategy is distinct from published_items.stocking_strategy
            as is_stocking_strategy_changed
    from candidate_items
    full outer join published_items
        on
            candidate_items.product_id = published_items.product_id
            and candidate_items.plant_id = published_items.plant_id
),

final as (
    select
        compared.product_id,
        compared.plant_id,
        compared.change_kind,
        compared.is_product_moved,
        compared.is_policy_changed,
        compared.is_service_level_changed,
        compared.is_stocking_strategy_changed,
        compared.is_safety_stock_changed,
        compared.is_reorder_point_changed,
        compared.is_lot_size_changed,
        compared.published_segment_code,
        compared.candidate_segment_code,
        compared.published_policy_id,
        compared.candidate_policy_id,
        compared.published_stocking_strategy,
        compared.candidate_stocking_strategy,
        compared.published_target_cycle_service_level,
        compared.candidate_target_cycle_service_level,
        compared.published_safety_stock_method,
        compared.candidate_safety_stock_method,
        compared.published_safety_stock_quantity,
        compared.candidate_safety_stock_quantity,
        compared.published_reorder_point_quantity,
        compared.candidate_reorder_point_quantity,
        compared.published_lot_size_quantity,
        compared.candidate_lot_size_quantity,
        compared.published_policy_stock_value_rep_ccy,
        compared.candidate_policy_stock_value_rep_ccy,
        run_ids.published_run_id,
        run_ids.candidate_run_id,
        coalesce(compared.candidate_safety_stock_quantity, 0) - coalesce(compared.published_safety_stock_quantity, 0)
            as safety_stock_delta_quantity,
        coalesce(compared.candidate_policy_stock_value_rep_ccy, 0)
        - coalesce(compared.published_policy_stock_value_rep_ccy, 0) as working_capital_delta_rep_ccy
    from compared
    cross join run_ids
    where
        compared.change_kind <> 'policy_changed'
        or compared.is_policy_changed
        or compared.is_service_level_changed
        or compared.is_stocking_strategy_changed
        or compared.is_safety_stock_changed
        or compared.is_reorder_point_changed
        or compared.is_lot_size_changed
)

select * from final
{%- endmacro %}


{#
    segment_impact_customer_promises(candidate_database, candidate_schema,
                                     published_database, published_schema)

    The fulfilment changes of a candidate build per customer
    (segment_customer_id) and product of fct_atp_promises: one row per pair
    (either build) whose promised ATP lead time, pick priority or transport
    priority differs, or that enters or leaves, with old and new values.
    is_customer_moved / is_product_moved: the customer's service tier / the
    product's segment differs (doc block segment_impact_policies).
#}
{% macro segment_impact_customer_promises(candidate_database, candidate_schema, published_database, published_schema) %}
    {%- set candidate = impact_schema_prefix(candidate_database, candidate_schema, 'candidate') -%}
    {%- set published = impact_schema_prefix(published_database, published_schema, 'published') %}
with

{% for side, prefix in [('candidate', candidate), ('published', published)] -%}
{{ side }}_promises as (
    select
        segment_customer_id,
        product_id,
        customer_service_tier,
        product_segment_code,
        promised_lead_time_days,
        promise_basis,
        pick_priority,
        transport_priority,
        run_id
    from {{ prefix }}.fct_atp_promises
),

{% endfor -%}
run_ids as (
    select
        (select max(run_id) from published_promises) as published_run_id,
        (select max(run_id) from candidate_promises) as candidate_run_id
),

compared as (
    select
        coalesce(candidate_promises.segment_customer_id, published_promises.segment_customer_id)
            as segment_customer_id,
        coalesce(candidate_promises.product_id, published_promises.product_id) as product_id,
        published_promises.customer_service_tier as published_service_tier,
        candidate_promises.customer_service_tier as candidate_service_tier,
        published_promises.product_segment_code as published_product_segment_code,
        candidate_promises.product_segment_code as candidate_product_segment_code,
        published_promises.promised_lead_time_days as published_promised_lead_time_days,
        candidate_promises.promised_lead_time_days as candidate_promised_lead_time_days,
        published_promises.promise_basis as published_promise_basis,
        candidate_promises.promise_basis as candidate_promise_basis,
        published_promises.pick_priority as published_pick_priority,
        candidate_promises.pick_priority as candidate_pick_priority,
        published_promises.transport_priority as published_transport_priority,
        candidate_promises.transport_priority as candidate_transport_priority,
        case
            when published_promises.product_id is null then 'entered'
            when candidate_promises.product_id is null then 'exited'
            else 'policy_changed'
        end as change_kind,
        candidate_promises.customer_service_tier is distinct from published_promises.customer_service_tier
            as is_customer_moved,
        candidate_promises.product_segment_code is distinct from published_promises.product_segment_code
            as is_product_moved,
        candidate_promises.promised_lead_time_days is distinct from published_promises.promised_lead_time_days
            as is_promise_changed,
        candidate_promises.pick_priority is distinct from published_promises.pick_priority
            or candidate_promises.transport_priority is distinct from published_promises.transport_priority
            as is_priority_changed
    from candidate_promises
    full outer join published_promises
        on
            candidate_promises.segment_customer_id = published_promises.segment_customer_id
            and candidate_promises.product_id = published_promises.product_id
),

final as (
    select
        compared.*,
        run_ids.published_run_id,
        run_ids.candidate_run_id
    from compared
    cross join run_ids
    where compared.change_kind <> 'policy_changed' or compared.is_promise_changed or compared.is_priority_changed
)

select * from final
{%- endmacro %}


{#
    segment_impact_working_capital(candidate_database, candidate_schema,
                                   published_database, published_schema)

    The working-capital delta of a candidate build per plant and product
    segment: one row per plant x final segment of fct_policy_working_capital
    (either build) with the policy stock value of both builds and the delta
    candidate minus published (a missing side counts 0). Every row carries
    both run ids (doc block segment_impact_policies).
#}
{% macro segment_impact_working_capital(candidate_database, candidate_schema, published_database, published_schema) %}
    {%- set candidate = impact_schema_prefix(candidate_database, candidate_schema, 'candidate') -%}
    {%- set published = impact_schema_prefix(published_database, published_schema, 'published') %}
with

candidate_values as (
    select plant_id, final_segment_code, policy_stock_value_rep_ccy, run_id
    from {{ candidate }}.fct_policy_working_capital
),

published_values as (
    select plant_id, final_segment_code, policy_stock_value_rep_ccy, run_id
    from {{ published }}.fct_policy_working_capital
),

run_ids as (
    select
        (select max(run_id) from published_values) as published_run_id,
        (select max(run_id) from candidate_values) as candidate_run_id
),

final as (
    select
        coalesce(candidate_values.plant_id, published_values.plant_id) as plant_id,
        coalesce(candidate_values.final_segment_code, published_values.final_segment_code) as final_segment_code,
        published_values.policy_stock_value_rep_ccy as published_policy_stock_value_rep_ccy,
        candidate_values.policy_stock_value_rep_ccy as candidate_policy_stock_value_rep_ccy,
        coalesce(candidate_values.policy_stock_value_rep_ccy, 0) - coalesce(published_values.policy_stock_value_rep_ccy, 0)
            as working_capital_delta_rep_ccy,
        run_ids.published_run_id,
        run_ids.candidate_run_id
    from candidate_values
    full outer join published_values
        on
            candidate_values.plant_id = published_values.plant_id
            and candidate_values.final_segment_code = published_values.final_segment_code
    cross join run_ids
)

select * from final
{%- endmacro %}


{#
    impact_quantity_differs(candidate, published): SQL true when two
    quantities differ by more than 1e-9 relative (at least 1e-9 absolute), or
    exactly one is null.
#}
{% macro impact_quantity_differs(candidate, published) -%}
    (
        ({{ candidate }} is null) <> ({{ published }} is null)
        or coalesce(
            abs({{ candidate }} - {{ published }}) > 1e-9 * greatest(1, abs({{ candidate }}), abs({{ published }})),
            false
        )
    )
{%- endmacro %}

{% macro impact_against_published(compare, candidate) -%}
{#- Runs one comparison macro of this file against the published build (vars impact_published_database /
    impact_published_schema); without one, the same query on the candidate alone with no row kept, so the model
    keeps its columns and is empty (at parse time, when dbt does not execute, a placeholder stands in). -#}
{%- set published_database = validated_var('impact_published_database') %}
{%- if published_database is not none %}
    {{ compare(candidate.database, candidate.schema, published_database, validated_var('impact_published_schema')) }}
{%- elif execute %}
    select * from (
        {{ compare(candidate.database, candidate.schema, candidate.database, candidate.schema) }}
    ) as no_published_build
    where false
{%- else %}
    select 1 as parse_placeholder
    where false
{%- endif %}
{%- endmacro %}
