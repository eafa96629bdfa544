{#
    The policy changes per item (product x plant) that publishing this build
    (the candidate) instead of the published build would bring: target
    service level, stocking strategy, safety stock, reorder point, lot size,
    and the working-capital delta of each item (macro
    segment_impact_item_policies; doc block segment_impact_policies). The
    published build is the one of int_segment_impact_assessed (vars
    impact_published_path / impact_published_database /
    impact_published_schema). Without it the model is empty: the macro then
    compares this build with itself, and no row is kept (at
    parse time, when dbt does not execute, a placeholder stands in). A table, so that it
    holds the comparison after the published file is detached.
#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('fct_item_policy_parameters') }}
{{ impact_against_published(segment_impact_item_policies, ref('fct_item_policy_parameters')) }}
