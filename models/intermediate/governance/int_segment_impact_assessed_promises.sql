{#
    The fulfilment changes per customer (segment_customer_id) and product
    that publishing this build (the candidate) instead of the published build
    would bring: the ATP lead-time promise and the pick and transport
    priority, old and new (macro segment_impact_customer_promises; doc block
    segment_impact_policies). Published build as in
    int_segment_impact_assessed; without it the model is empty (this build
    compared with itself, no row kept; at parse time, when
    dbt does not execute, a placeholder). A table.
#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('fct_atp_promises') }}
{{ impact_against_published(segment_impact_customer_promises, ref('fct_atp_promises')) }}
