{#
    The working-capital delta per plant and product segment that publishing
    this build (the candidate) instead of the published build would bring:
    the inventory value the policy implies in both builds and the delta,
    candidate minus published (macro segment_impact_working_capital; doc
    block segment_impact_policies). Published build as in
    int_segment_impact_assessed; without it the model is empty. A table.
#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('fct_policy_working_capital') }}
{{ impact_against_published(segment_impact_working_capital, ref('fct_policy_working_capital')) }}
