{#
    One row per affected customer and audience (sales, customer service): the
    message announcing a change of the customer's segment or service tier
    when this build (the candidate) is published instead of the published
    build, rendered from seed segment_change_notification_templates. The
    placeholders {customer}, {old_segment}, {new_segment}, {old_tier},
    {new_tier}, {effective_date}, {changes}, {revenue} and {currency} are
    replaced by the entity's values; the effective date is the candidate's
    reference date plus var segment_change_notice_days. Empty when no
    published build is compared (int_segment_impact_assessed).
    Doc block segment_change_notifications.
#}
{%- set notification_placeholders = [
    ['customer', 'described.customer_segment_id'],
    ['old_segment', 'described.published_segment_code'],
    ['new_segment', 'described.candidate_segment_code'],
    ['old_tier', 'cast(described.published_service_tier as varchar)'],
    ['new_tier', 'cast(described.candidate_service_tier as varchar)'],
    ['effective_date', "strftime(described.effective_date, '%Y-%m-%d')"],
    ['changes', 'described.changes_text'],
    ['revenue', "coalesce(printf('%.0f', described.revenue_rep_ccy), 'n/a')"],
    ['currency', sql_text_var('reporting_currency')],
] %}
with

impacts as (
    select * from {{ ref('int_segment_impact_assessed') }}
    where grain = 'customer' and change_kind in ('segment_changed', 'service_tier_changed')
),

templates as (
    select * from {{ ref('segment_change_notification_templates') }}
),

described as (
    select
        entity_id as customer_segment_id,
        change_kind,
        published_segment_code,
        candidate_segment_code,
        published_service_tier,
        candidate_service_tier,
        published_run_id,
        candidate_run_id,
        revenue_rep_ccy,
        cast(
            candidate_reference_date + to_days({{ sql_number_var('segment_change_notice_days') }}) as date
        ) as effective_date,
        concat_ws(
            '; ',
            case
                when change_kind = 'segment_changed'
                    then 'segment ' || published_segment_code || ' (' || coalesce(published_segment_name, '?')
                        || ') becomes '
                        || candidate_segment_code
                        || ' ('
                        || coalesce(candidate_segment_name, '?')
                        || ')'
            end,
            case
                when candidate_service_tier <> published_service_tier
                    then 'service tier ' || published_service_tier || ' becomes ' || candidate_service_tier
                        || case
                            when candidate_service_tier < published_service_tier
                                then ' (higher service: shorter promises, earlier picking)'
                            else ' (lower service: longer promises, later picking)'
                        end
            end
        ) as changes_text
    from impacts
),

rendered as (
    select
        described.customer_segment_id,
        templates.audience,
        templates.template_id,
        described.change_kind,
        described.published_segment_code,
        described.candidate_segment_code,
        described.published_service_tier,
        described.candidate_service_tier,
        described.effective_date,
        described.changes_text,
        described.revenue_rep_ccy,
        described.published_run_id,
        described.candidate_run_id,
        {{ fill_placeholders('templates.subject_template', notification_placeholders) }} as subject,
        {{ fill_placeholders('templates.body_template', notification_placeholders) }} as message
    from described
    inner join templates
        on described.change_kind = templates.change_kind
),

final as (
    select
        customer_segment_id,
        audience,
        template_id,
        change_kind,
        published_segment_code,
        candidate_segment_code,
        published_service_tier,
        candidate_service_tier,
        effective_date,
        changes_text,
        subject,
        message,
        revenue_rep_ccy,
        published_run_id as current_published_run_id,
        candidate_run_id,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from rendered
)

select * from final
