{#
    ABC per grain and entity: the measure comes from seed abc_measures (its
    fallback when any entity of the grain lacks the measure, for example
    margin without cost data), thresholds from seed abc_thresholds. Entities
    are ranked by the measure, largest first, ties by entity_id; the
    cumulative share runs over positive contributions only. See the doc block
    abc_classification for both boundary conventions and the rule for
    non-positive contributors (always the last class).
    One ranking (abc_cumulative_shares) serves both boundary conventions; the
    decayed measure is ranked only when time decay is on.
    Spine step 2 (after int_segment_entity_measures): the value measures are
    carried forward for the scoring step and the segment dims.
#}
with

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
),

measure_config as (
    select * from {{ ref('abc_measures') }}
),

availability as (
    select
        grain,
        count(*) as entity_count,
        count(gross_margin_rep_ccy) as entities_with_margin,
        sum(lines_without_cost_count) as lines_without_cost_count
    from measures
    group by grain
),

measure_chosen as (
    select
        measures.grain,
        measures.entity_id,
        measure_config.measure as configured_measure,
        measures.revenue_rep_ccy,
        measures.gross_margin_rep_ccy,
        measures.volume_quantity,
        measures.order_line_count,
        measures.revenue_decayed_rep_ccy,
        measures.gross_margin_decayed_rep_ccy,
        measures.volume_decayed_quantity,
        measures.order_line_decayed_count,
        case
            when measure_config.measure = 'gross_margin'
                and availability.entities_with_margin < availability.entity_count
                then measure_config.fallback_measure
            else measure_config.measure
        end as measure_used,
        case
            when measure_config.measure = 'gross_margin'
                and availability.entities_with_margin < availability.entity_count
                then 'gross_margin unavailable: ' || availability.lines_without_cost_count
                    || ' order lines have no unit cost and no standard cost'
        end as measure_fallback_reason
    from measures
    inner join measure_config
        on measures.grain = measure_config.grain
    inner join availability
        on measures.grain = availability.grain
),

valued as (
    select
        grain,
        entity_id,
        configured_measure,
        measure_used,
        measure_fallback_reason,
        revenue_rep_ccy,
        gross_margin_rep_ccy,
        volume_quantity,
        order_line_count,
        revenue_decayed_rep_ccy,
        gross_margin_decayed_rep_ccy,
        volume_decayed_quantity,
        order_line_decayed_count,
        {{ abc_measure_value('measure_used', decayed=false) }} as measure_value,
        {{ abc_measure_value('measure_used', decayed=true) }} as measure_value_decayed
    from measure_chosen
),

ranked as (
    {{ abc_cumulative_shares('valued', 'measure_value') }}
),

classes_crossing_item_lower as (
    {{ abc_classes_from_shares('ranked', ref('abc_thresholds'), 'crossing_item_lower') }}
),

classes_crossing_item_upper as (
    {{ abc_classes_from_shares('ranked', ref('abc_thresholds'), 'crossing_item_upper') }}
),

classes_decayed as (
    {#- Without time decay every decayed value is null and so is the decayed class: no second ranking. #}
    {%- if decay_is_on() %}
        {{ abc_classes_for_measure('valued', 'measure_value_decayed', ref('abc_thresholds')) }}
    {%- else %}
        select
            grain,
            entity_id,
            cast(null as varchar) as abc_class
        from valued
    {%- endif %}
),

named as (
    select
        valued.grain,
        valued.entity_id,
        classes_crossing_item_lower.abc_class as abc_class_crossing_item_lower,
        classes_crossing_item_upper.abc_class as abc_class_crossing_item_upper,
        case when valued.measure_value_decayed is not null then classes_decayed.abc_class end as abc_class_decayed
    from valued
    inner join classes_crossing_item_lower
        on valued.grain = classes_crossing_item_lower.grain
            and valued.entity_id = classes_crossing_item_lower.entity_id
    inner join classes_crossing_item_upper
        on valued.grain = classes_crossing_item_upper.grain
            and valued.entity_id = classes_crossing_item_upper.entity_id
    inner join classes_decayed
        on valued.grain = classes_decayed.grain
            and valued.entity_id = classes_decayed.entity_id
),

final as (
    select
        ranked.grain,
        ranked.entity_id,
        valued.configured_measure,
        valued.measure_used,
        valued.measure_fallback_reason,
        ranked.measure_value,
        ranked.measure_rank,
        ranked.measure_share,
        ranked.cumulative_share,
        ranked.previous_cumulative_share,
        ranked.is_non_positive as is_non_positive_contributor,
        named.abc_class_crossing_item_lower,
        named.abc_class_crossing_item_upper,
        {%- if validated_var('abc_boundary_convention') == 'crossing_item_lower' %}
            named.abc_class_crossing_item_lower as abc_class_undecayed,
        {%- elif validated_var('abc_boundary_convention') == 'crossing_item_upper' %}
            named.abc_class_crossing_item_upper as abc_class_undecayed,
        {%- else %}
        {%- do exceptions.raise_compiler_error(
            "var abc_boundary_convention must be crossing_item_lower or crossing_item_upper, got '"
            ~ var('abc_boundary_convention') ~ "'") %}
        {%- endif %}
        valued.measure_value_decayed,
        named.abc_class_decayed,
        {{ sql_text_var('abc_boundary_convention') }} as abc_boundary_convention,
        valued.revenue_rep_ccy,
        valued.gross_margin_rep_ccy,
        valued.volume_quantity,
        valued.order_line_count,
        valued.revenue_decayed_rep_ccy,
        valued.gross_margin_decayed_rep_ccy,
        valued.volume_decayed_quantity,
        valued.order_line_decayed_count
    from ranked
    inner join valued
        on ranked.grain = valued.grain
            and ranked.entity_id = valued.entity_id
    inner join named
        on ranked.grain = named.grain
            and ranked.entity_id = named.entity_id
)

select
    *,
    coalesce(abc_class_decayed, abc_class_undecayed) as abc_class
from final
