-- int_segment_assignments_algorithmic: is_key_account is set exactly for grains whose entity
-- is or holds a customer, has_service_clause exactly for grains whose entity is or holds a
-- product, and service_tier is never missing. Returns the offending rows.
with

assignments as (
    select * from {{ ref('int_segment_assignments_algorithmic') }}
),

grain_kinds as (
    {{ enabled_grains_query(with_entity_kinds=true) }}
)

select
    assignments.grain,
    assignments.entity_id,
    assignments.is_key_account,
    assignments.has_service_clause,
    assignments.service_tier
from assignments
inner join grain_kinds
    on assignments.grain = grain_kinds.grain
where (assignments.is_key_account is null) = grain_kinds.has_customer
    or (assignments.has_service_clause is null) = grain_kinds.has_product
    or assignments.service_tier is null
