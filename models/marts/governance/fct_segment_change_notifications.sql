{#
    One row per affected customer and audience (sales, customer service): the
    message announcing a change of the customer's segment or service tier, or
    of its promises and priorities alone (change_kind policy_changed), when this build (the candidate) is published instead of the published
    build, rendered from seed segment_change_notification_templates. The
    placeholders {customer}, {old_segment}, {new_segment}, {old_tier},
    {new_tier}, {effective_date}, {changes}, {promise_changes},
    {priority_changes}, {revenue} and {currency} are replaced by the entity's
    values; the effective date is the candidate's reference date plus var
    segment_change_notice_days. {promise_changes} and {priority_changes} say
    how the customer's ATP promises and pick / transport priorities change,
    old -> new, with the number of products each time
    (int_segment_impact_assessed_promises). Empty when no
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
    ['promise_changes', 'described.promise_changes_text'],
    ['priority_changes', 'described.priority_changes_text'],
    ['revenue', "coalesce(printf('%.0f', described.revenue_rep_ccy), 'n/a')"],
    ['currency', sql_text_var('reporting_currency')],
] %}
with

moved_customers as (
    select * from {{ ref('int_segment_impact_assessed') }}
    where grain = 'customer' and change_kind in ('segment_changed', 'service_tier_changed')
),

customers as (
    select * from {{ ref('dim_customer_segments') }}
),

reference as (
    select * from {{ ref('int_reference_date') }}
),

templates as (
    select * from {{ ref('segment_change_notification_templates') }}
),

promise_changes as (
    select * from {{ ref('int_segment_impact_assessed_promises') }}
    where change_kind = 'policy_changed'
),

policy_transitions as (
    select
        segment_customer_id,
        1 as sort_group,
        'promise' as change_group,
        'ATP promise ' as label_text,
        ' days' as unit_text,
        cast(published_promised_lead_time_days as varchar) as old_value,
        cast(candidate_promised_lead_time_days as varchar) as new_value
    from promise_changes
    where is_promise_changed
    union all
    select
        segment_customer_id,
        2 as sort_group,
        'priority' as change_group,
        'pick priority ' as label_text,
        '' as unit_text,
        cast(published_pick_priority as varchar) as old_value,
        cast(candidate_pick_priority as varchar) as new_value
    from promise_changes
    where published_pick_priority is distinct from candidate_pick_priority
    union all
    select
        segment_customer_id,
        3 as sort_group,
        'priority' as change_group,
        'transport priority ' as label_text,
        '' as unit_text,
        cast(published_transport_priority as varchar) as old_value,
        cast(candidate_transport_priority as varchar) as new_value
    from promise_changes
    where published_transport_priority is distinct from candidate_transport_priority
),

transitions as (
    select
        segment_customer_id,
        sort_group,
        change_group,
        old_value,
        new_value,
        label_text || coalesce(old_value, 'none') || unit_text || ' becomes '
        || coalesce(new_value, 'none') || unit_text
        || ' (' || count(*) || case when count(*) = 1 then ' product)' else ' products)' end as transition_text
    from policy_transitions
    group by segment_customer_id, sort_group, change_group, label_text, unit_text, old_value, new_value
),

customer_policy_changes as (
    select
        segment_customer_id,
        string_agg(
            case when change_group = 'promise' then transition_text end, '; '
            order by sort_group, old_value, new_value
        ) as promise_changes_text,
        string_agg(
            case when change_group = 'priority' then transition_text end, '; '
            order by sort_group, old_value, new_value
        ) as priority_changes_text
    from transitions
    group by segment_customer_id
),

policy_changed_customers as (
    -- Customers that keep their segment and tier but whose promises or priorities change (the products they buy
    -- moved segment, or the policy matrix changed): they are affected too.
    select distinct
        promise_changes.segment_customer_id as entity_id,
        promise_changes.published_run_id,
        promise_changes.candidate_run_id
    from promise_changes
    inner join customer_policy_changes
        on promise_changes.segment_customer_id = customer_policy_changes.segment_customer_id
    where not exists (
            select 1 from moved_customers
            where moved_customers.entity_id = promise_changes.segment_customer_id
        )
),

impacts as (
    select
        entity_id,
        change_kind,
        published_segment_code,
        candidate_segment_code,
        published_segment_name,
        candidate_segment_name,
        published_service_tier,
        candidate_service_tier,
        published_run_id,
        candidate_run_id,
        candidate_reference_date,
        revenue_rep_ccy
    from moved_customers
    union all
    select
        policy_changed_customers.entity_id,
        'policy_changed' as change_kind,
        customers.final_segment_code as published_segment_code,
        customers.final_segment_code as candidate_segment_code,
        customers.final_segment_name as published_segment_name,
        customers.final_segment_name as candidate_segment_name,
        customers.final_service_tier as published_service_tier,
        customers.final_service_tier as candidate_service_tier,
        policy_changed_customers.published_run_id,
        policy_changed_customers.candidate_run_id,
        reference.reference_date as candidate_reference_date,
        customers.revenue_rep_ccy
    from policy_changed_customers
    cross join reference
    inner join customers
        on policy_changed_customers.entity_id = customers.customer_segment_id
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
                when change_kind = 'policy_changed'
                    then 'segment ' || candidate_segment_code || ' and service tier ' || candidate_service_tier
                        || ' unchanged; the products it buys moved segment or their policy changed'
            end,
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

described_with_policy as (
    select
        described.*,
        coalesce(customer_policy_changes.promise_changes_text, 'ATP promises unchanged') as promise_changes_text,
        coalesce(customer_policy_changes.priority_changes_text, 'pick and transport priorities unchanged')
            as priority_changes_text
    from described
    left join customer_policy_changes
        on described.customer_segment_id = customer_policy_changes.segment_customer_id
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
        described.promise_changes_text,
        described.priority_changes_text,
        described.revenue_rep_ccy,
        described.published_run_id,
        described.candidate_run_id,
        {{ fill_placeholders('templates.subject_template', notification_placeholders) }} as subject,
        {{ fill_placeholders('templates.body_template', notification_placeholders) }} as message
    from described_with_policy as described
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
        promise_changes_text,
        priority_changes_text,
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
