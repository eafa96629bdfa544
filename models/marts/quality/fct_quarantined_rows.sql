{#
    Every raw row that could not be used, with the reason and the row as
    delivered (personal columns left out). Nothing is dropped silently: a row
    is either used, removed as an exact duplicate (counted in
    fct_load_summary) or listed here. The rows of every staged entity come
    from int_staged_rows_unioned (entities from the registry staged_entities());
    the mart is rebuilt only when the completeness gates pass.
#}
with

staged_rows as (
    select * from {{ ref('int_staged_rows_unioned') }}
),

completeness_gates as (
    select * from {{ ref('int_completeness_gate_results') }}
),

gates_passed as (
    {{ assert_completeness_gates_passed('completeness_gates') }}
),

rejected_rows as (
    select staged_rows.*
    from staged_rows
    cross join gates_passed
    where staged_rows.rejection_reason is not null
        and gates_passed.completeness_gates_passed
),

final as (
    select
        source_system,
        entity,
        entity_key,
        split_part(rejection_reason, ':', 1) as rejection_reason,
        nullif(split_part(rejection_reason, ':', 2), '') as rejection_column,
        source_file,
        source_row_number,
        source_row,
        {{ run_id() }} as run_id
    from rejected_rows
)

select * from final
