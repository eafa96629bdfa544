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
    is_non_positive. Ranking: value descending, then entity_id ascending, so
    ties are deterministic. Non-positive values rank after all positive ones
    and add nothing to the cumulative share.
#}
{% macro abc_cumulative_shares(relation, value_column) -%}
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
            {{ value_column }} as measure_value,
            coalesce({{ value_column }}, 0) <= 0 as is_non_positive,
            row_number() over (
                partition by grain
                order by case when {{ value_column }} > 0 then 0 else 1 end, {{ value_column }} desc, entity_id
            ) as measure_rank,
            case when {{ value_column }} > 0 then {{ value_column }} else 0 end
            / nullif(sum(case when {{ value_column }} > 0 then {{ value_column }} else 0 end)
                over (partition by grain), 0) as measure_share,
            sum(case when {{ value_column }} > 0 then {{ value_column }} else 0 end) over (
                partition by grain
                order by case when {{ value_column }} > 0 then 0 else 1 end, {{ value_column }} desc, entity_id
                rows between unbounded preceding and current row
            ) / nullif(sum(case when {{ value_column }} > 0 then {{ value_column }} else 0 end)
                over (partition by grain), 0) as cumulative_share
        from {{ relation }}
    ) as shares
{%- endmacro %}
