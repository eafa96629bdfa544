{#
    The provisional segment, service tier and policy of an entity that is
    not in the published segmentation yet: a customer or product placing
    or receiving its first order after the last build (doc block
    new_entity_rule). Computed from the seeds and vars alone, so it is
    ready before the entity has any history:
    - every ABC class of the grain (seed abc_thresholds); the rule's own
      class is the last one (no value yet), the others serve a planner who
      expects more;
    - XYZ class = var new_entity_provisional_xyz_class, segment = the row
      of seed abc_xyz_segments with xyz_class N (new) of the ABC class, or
      else the one of the provisional XYZ class; tier = its
      default_service_tier (no score);
    - policy = the most specific policy_matrix row (doc block
      policy_matching) for each counterpart: every product segment code for
      a new customer, every customer service tier for a new product;
    - reference_date: the run's as-of date, from which the rows answer
      first orders until the next build publishes.
#}
with

reference as (
    select reference_date from {{ ref('int_reference_date') }}
),

thresholds as (
    select * from {{ ref('abc_thresholds') }}
),

segments as (
    select * from {{ ref('abc_xyz_segments') }}
),

tiers as (
    select * from {{ ref('service_tiers') }}
),

policies as (
    select * from {{ ref('policy_matrix') }}
),

classes as (
    select
        grain,
        abc_class,
        class_rank,
        class_rank = max(class_rank) over (partition by grain) as is_rule_abc_class
    from thresholds
    where grain in ('customer', 'product')
),

provisional as (
    select
        classes.grain,
        classes.abc_class,
        classes.is_rule_abc_class,
        {{ sql_text_var('new_entity_provisional_xyz_class') }} as provisional_xyz_class,
        coalesce(new_rows.segment_code, provisional_rows.segment_code) as provisional_segment_code,
        coalesce(new_rows.segment_name, provisional_rows.segment_name) as provisional_segment_name,
        coalesce(new_rows.default_service_tier, provisional_rows.default_service_tier) as provisional_service_tier
    from classes
    left join segments as new_rows
        on classes.abc_class = new_rows.abc_class
            and new_rows.xyz_class = 'N'
    left join segments as provisional_rows
        on classes.abc_class = provisional_rows.abc_class
            and provisional_rows.xyz_class = {{ sql_text_var('new_entity_provisional_xyz_class') }}
),

product_segment_codes as (
    select distinct segment_code as product_segment_code
    from segments
),

customer_service_tiers as (
    select service_tier as customer_service_tier
    from tiers
    where grain = 'customer'
),

combinations as (
    select
        provisional.grain,
        provisional.abc_class,
        product_segment_codes.product_segment_code,
        provisional.provisional_service_tier as customer_service_tier
    from provisional
    cross join product_segment_codes
    where provisional.grain = 'customer'

    union all

    select
        provisional.grain,
        provisional.abc_class,
        provisional.provisional_segment_code as product_segment_code,
        customer_service_tiers.customer_service_tier
    from provisional
    cross join customer_service_tiers
    where provisional.grain = 'product'
),

most_specific as (
    {{ most_specific_policy(['grain', 'abc_class', 'product_segment_code', 'customer_service_tier']) }}
),

final as (
    select
        combinations.grain,
        combinations.abc_class,
        reference.reference_date,
        provisional.is_rule_abc_class,
        provisional.provisional_xyz_class,
        provisional.provisional_segment_code,
        provisional.provisional_segment_name,
        provisional.provisional_service_tier,
        combinations.product_segment_code,
        combinations.customer_service_tier,
        policies.policy_id,
        policies.policy_version,
        policies.target_cycle_service_level,
        policies.target_fill_rate,
        policies.inventory_positioning,
        policies.stocking_strategy,
        policies.review_period_days,
        policies.atp_lead_time_days,
        policies.pick_priority,
        policies.transport_priority,
        policies.moq_rule,
        policies.fulfilment_batch_size,
        policies.cost_to_serve_pricing_tier,
        coalesce(most_specific.matched_policy_count, 0) as matched_policy_count,
        most_specific.match_level,
        'ABC:' || combinations.abc_class || ' no history'
        || '; XYZ:' || provisional.provisional_xyz_class || ' provisional'
        || '; NEW:provisional'
        || '; SEGMENT:' || provisional.provisional_segment_code
        || '; TIER:' || cast(provisional.provisional_service_tier as {{ dbt.type_string() }})
        || ' segment default (no score)' as reason_codes
    from combinations
    cross join reference
    inner join provisional
        on combinations.grain = provisional.grain
            and combinations.abc_class = provisional.abc_class
    left join most_specific
        on combinations.grain = most_specific.grain
            and combinations.abc_class = most_specific.abc_class
            and combinations.product_segment_code = most_specific.product_segment_code
            and combinations.customer_service_tier = most_specific.customer_service_tier
    left join policies
        on most_specific.policy_id = policies.policy_id
)

select * from final
