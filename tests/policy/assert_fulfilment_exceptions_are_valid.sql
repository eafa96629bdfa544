-- Seed fulfilment_exceptions: a tier draws only on stock reserved for a lower tier (higher number) and the
-- share lies in (0, 1]. One row per bad seed row, naming the problem.
with

exceptions as (
    select * from {{ ref('fulfilment_exceptions') }}
),

checked as (
    select
        exception_id,
        case
            when drawing_service_tier >= reserved_for_service_tier
                then 'drawing tier is not better than the reserved tier'
            when not (max_share_of_reserved_stock > 0 and max_share_of_reserved_stock <= 1)
                then 'max_share_of_reserved_stock outside (0, 1]'
        end as problem
    from exceptions
)

select
    exception_id,
    problem
from checked
where problem is not null
