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
