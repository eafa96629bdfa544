{#
    One row per plant, drawing tier and reserved tier: the cross-segment
    fulfilment exception that applies at the plant (seed fulfilment_exceptions).
    The plants are those of the order lines (lines without a plant left out); a row of the seed for the plant
    itself wins over the '*' row for every plant. Doc block fulfilment_exceptions.
#}
with

exceptions as (
    select * from {{ ref('fulfilment_exceptions') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

plants as (
    select distinct plant_id
    from order_lines
    where plant_id <> 'UNASSIGNED'
),

candidates as (
    select
        plants.plant_id,
        exceptions.drawing_service_tier,
        exceptions.reserved_for_service_tier,
        exceptions.exception_id,
        exceptions.max_share_of_reserved_stock,
        exceptions.approver_role,
        exceptions.rationale,
        exceptions.plant_id <> '*' as is_plant_specific
    from plants
    inner join exceptions
        on plants.plant_id = exceptions.plant_id
            or exceptions.plant_id = '*'
),

final as (
    select
        plant_id,
        drawing_service_tier,
        reserved_for_service_tier,
        exception_id,
        max_share_of_reserved_stock,
        approver_role,
        is_plant_specific,
        rationale
    from candidates
    qualify
        row_number() over (
            partition by plant_id, drawing_service_tier, reserved_for_service_tier
            order by is_plant_specific desc, exception_id asc
        ) = 1
)

select * from final
