{#
    Every manual override, from wherever it was decided, in the columns of seed
    segment_overrides: the seed's rows (override_source 'seed') and the
    accepted disputes of the governance input (override_source 'dispute',
    int_segment_challenges_assessed where becomes_override): override_id = the
    challenge id, the requested segment and tier, the dispute's reason and
    decision as reason, the decider as approver, the decision date as approval
    date, and its validity. int_segment_assignments_overrides_matched reads
    this one input, so a dispute goes through the same validity, approval and
    one-override-per-entity rules as a seed row. Doc block segment_challenges.
#}
with

seed_overrides as (
    select * from {{ ref('segment_overrides') }}
),

challenges as (
    select * from {{ ref('int_segment_challenges_assessed') }}
    where becomes_override
),

unioned as (
    select
        override_id,
        grain,
        entity_id,
        forced_segment_code,
        forced_service_tier,
        reason,
        contract_reference,
        approver,
        approved_date,
        valid_from,
        valid_to,
        'seed' as override_source
    from seed_overrides
    union all
    select
        challenge_id as override_id,
        grain,
        entity_id,
        requested_segment_code as forced_segment_code,
        requested_service_tier as forced_service_tier,
        'Dispute ' || challenge_id || ': ' || reason
        || coalesce(' Decision: ' || decision, '') as reason,
        cast(null as {{ dbt.type_string() }}) as contract_reference,
        decided_by as approver,
        decided_date as approved_date,
        override_valid_from as valid_from,
        override_valid_to as valid_to,
        'dispute' as override_source
    from challenges
),

final as (
    select
        override_id,
        grain,
        entity_id,
        forced_segment_code,
        forced_service_tier,
        reason,
        contract_reference,
        approver,
        approved_date,
        valid_from,
        valid_to,
        override_source
    from unioned
)

select * from final
