-- Seed protected_attributes: no protected attribute is a score dimension
-- (seed segmentation_weights) or a guardrail rule input (seed
-- segment_guardrails) in the seeds as loaded, which is what the models read.
-- The same rule as the on-run-start fairness check on the seed files (macro
-- assert_no_protected_attribute_drives_segmentation, which also covers the
-- clustering seeds and stops the run before any model); here it sits in the
-- lineage of the seeds it reads. Returns the attribute and where it is used.
{{ config(severity='error') }}

with

protected as (
    select lower(trim(attribute_name)) as attribute_name from {{ ref('protected_attributes') }}
),

inputs as (
    select
        'segmentation_weights.dimension' as used_in,
        grain as used_by,
        lower(trim(dimension)) as input_name
    from {{ ref('segmentation_weights') }}
    union all
    select
        'segment_guardrails.condition' as used_in,
        rule_id as used_by,
        lower(trim(condition)) as input_name
    from {{ ref('segment_guardrails') }}
)

select
    protected.attribute_name,
    inputs.used_in,
    inputs.used_by,
    inputs.input_name
from protected
inner join inputs
    on position('_' || protected.attribute_name || '_' in '_' || inputs.input_name || '_') > 0
