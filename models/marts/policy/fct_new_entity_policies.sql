{#
    The provisional segment, tier and policy of a customer or product that
    is not in the published segmentation yet (doc block new_entity_rule),
    for every counterpart: the API looks a first order up here so
    fulfilment does not wait for the next build. Thin: the rule is in
    int_new_entity_policies_matched.
#}
with

matched as (
    select * from {{ ref('int_new_entity_policies_matched') }}
),

final as (
    select
        grain,
        abc_class,
        reference_date,
        is_rule_abc_class,
        provisional_xyz_class,
        provisional_segment_code,
        provisional_segment_name,
        provisional_service_tier,
        product_segment_code,
        customer_service_tier,
        policy_id,
        policy_version,
        target_cycle_service_level,
        target_fill_rate,
        inventory_positioning,
        stocking_strategy,
        review_period_days,
        atp_lead_time_days,
        pick_priority,
        transport_priority,
        moq_rule,
        fulfilment_batch_size,
        cost_to_serve_pricing_tier,
        match_level,
        reason_codes,
        {{ run_id() }} as run_id
    from matched
)

select * from final
