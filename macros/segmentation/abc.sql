{#
    Building blocks of ABC classification (see the doc block abc_classification).

    abc_measure_value(measure_column, decayed): the value of the measure named
    in <measure_column> (revenue, gross_margin, volume, order_lines), plain or
    time-decayed.
#}
{% macro abc_measure_value(measure_column, decayed=false) -%}
    {%- set suffix = '_decayed' if decayed else '' -%}
    case {{ measure_column }}
        when 'revenue' then revenue{{ suffix }}_rep_ccy
        when 'gross_margin' then gross_margin{{ suffix }}_rep_ccy
        when 'volume' then volume{{ suffix }}_quantity
        when 'order_lines' then order_line{{ suffix }}_count
    end
{%- endmacro %}


{#
    abc_cumulative_shares(relation, value_column): a select of grain,
    entity_id, measure_value, measure_rank, measure_share,
    cumulative_share (share of the positive total up to and including the
    entity), previous_cumulative_share (up to the entity before) and
    is_non_positive. Ranking: value descending (rounded by comparable()),
    then entity_id ascending, so ties are deterministic; the sums are exact
    (exact_sum), so the shares do not depend on the order rows are added in. Non-positive values rank after all positive ones
    and add nothing to the cumulative share.
#}
{% macro abc_cumulative_shares(relation, value_column) -%}
    {%- set positive_value = 'case when ' ~ value_column ~ ' > 0 then ' ~ value_column ~ ' else 0 end' -%}
    {%- set rank_order = 'case when ' ~ value_column ~ ' > 0 then 0 else 1 end, '
        ~ comparable(value_column) ~ ' desc, entity_id' -%}
    select
        grain,
        entity_id,
        measure_value,
        measure_rank,
        measure_share,
        cumulative_share,
        cumulative_share - measure_share as previous_cumulative_share,
        is_non_positive
    from (
        select
            grain,
            entity_id,
            measure_value,
            is_non_positive,
            measure_rank,
            positive_value / nullif(positive_total, 0) as measure_share,
            running_total / nullif(positive_total, 0) as cumulative_share
        from (
            select
                grain,
                entity_id,
                {{ value_column }} as measure_value,
                coalesce({{ value_column }}, 0) <= 0 as is_non_positive,
                {{ positive_value }} as positive_value,
                -- One sort per grain serves the rank and the running total (same window); the total is a
                -- plain partition sum.
                row_number() over (partition by grain order by {{ rank_order }}) as measure_rank,
                {{ exact_sum(positive_value,
                    over='partition by grain order by ' ~ rank_order ~ ' rows between unbounded preceding and current row'
                ) }} as running_total,
                {{ exact_sum(positive_value, over='partition by grain') }} as positive_total
            from {{ relation }}
        ) as running
    ) as shares
{%- endmacro %}


{#
    abc_classes_from_shares(shares_relation, thresholds_relation, convention):
    ABC class of every (grain, entity_id) of <shares_relation>, a relation
    shaped like abc_cumulative_shares() (so one ranking can serve both
    boundary conventions), with the thresholds of <thresholds_relation> (seed
    abc_thresholds) and a boundary convention (default:
    var('abc_boundary_convention')). The first-ranked entity, when its value
    is positive, is always in the first class (under crossing_item_lower an
    entity above the first threshold on its own would otherwise skip it).
    Non-positive and null values get the grain's last class. Returns grain, entity_id, measure_value,
    measure_rank, cumulative_share, class_rank, abc_class.

    abc_classes_for_measure(relation, value_column, thresholds_relation,
    convention): the same, ranking <relation> on <value_column> first.
#}
{% macro abc_classes_from_shares(shares_relation, thresholds_relation, convention=none) -%}
    {%- set convention = convention or validated_var('abc_boundary_convention') -%}
    {%- if convention == 'crossing_item_lower' -%}
        {%- set within_class = 'shares.cumulative_share <= thresholds.cumulative_share_upper + ' ~ score_tolerance() -%}
    {%- elif convention == 'crossing_item_upper' -%}
        {%- set within_class = 'shares.previous_cumulative_share < thresholds.cumulative_share_upper - ' ~ score_tolerance() -%}
    {%- else -%}
        {%- do exceptions.raise_compiler_error(
            "var abc_boundary_convention must be crossing_item_lower or crossing_item_upper, got '"
            ~ convention ~ "'") -%}
    {%- endif -%}
    select
        ranked.grain,
        ranked.entity_id,
        ranked.measure_value,
        ranked.measure_rank,
        ranked.cumulative_share,
        ranked.class_rank,
        labels.abc_class
    from (
        select
            shares.grain,
            shares.entity_id,
            shares.measure_value,
            shares.measure_rank,
            shares.cumulative_share,
            coalesce(
                min(
                    case
                        when not shares.is_non_positive
                            and (shares.measure_rank = 1 or {{ within_class }})
                            then thresholds.class_rank
                    end
                ),
                max(thresholds.class_rank)
            ) as class_rank
        from {{ shares_relation }} as shares
        inner join {{ thresholds_relation }} as thresholds
            on shares.grain = thresholds.grain
        group by
            shares.grain,
            shares.entity_id,
            shares.measure_value,
            shares.measure_rank,
            shares.cumulative_share
    ) as ranked
    inner join {{ thresholds_relation }} as labels
        on ranked.grain = labels.grain
            and ranked.class_rank = labels.class_rank
{%- endmacro %}


{% macro abc_classes_for_measure(relation, value_column, thresholds_relation, convention=none) -%}
    {{ abc_classes_from_shares('(' ~ abc_cumulative_shares(relation, value_column) ~ ')', thresholds_relation, convention) }}
{%- endmacro %}
