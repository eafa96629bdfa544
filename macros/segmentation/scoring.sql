{#
    Building blocks of the weighted multi-dimensional score and of
    multi-criteria ABC (see the doc blocks weighted_score and
    multi_criteria_abc in docs/scoring_and_matrix.md).
#}


{#
    scoring_dimensions(): the dimensions of the weighted score, in the order
    used for columns and for the text of dimensions_used. Seed
    segmentation_weights may only name these.
#}
{% macro scoring_dimensions() -%}
    {{ return(['value', 'service_sensitivity', 'forecastability', 'geography']) }}
{%- endmacro %}


{#
    score_tolerance(): float tolerance for comparing a computed score or
    weight sum with a seed value (a score of exactly a tier's min_score must
    not fall to the lower tier because of rounding).
#}
{% macro score_tolerance() -%}
    1e-9
{%- endmacro %}


{#
    mid_rank_percentile(column, partition_by, higher_is_better): the column
    normalized to 0..1 within each partition as a percent rank whose ties get
    their average position: (first rank + last rank of the tie - 2) /
    (2 * (n - 1)), n = non-null values in the partition. The largest value
    scores 1 and the smallest 0 (reversed when higher_is_better is false);
    tied values share the middle of their ranks, so a dimension on which all
    entities are equal gives each of them the same 0.5 (the middle), as does
    a partition with a single entity. Null stays null (not ranked). Values
    are ranked rounded by comparable() (var comparison_decimal_places), so
    two values that differ only by floating-point noise tie.
#}
{% macro mid_rank_percentile(column, partition_by, higher_is_better=true) -%}
    {%- set direction = 'asc' if higher_is_better else 'desc' -%}
    {%- set ranked_window -%}
        partition by {{ partition_by }}, {{ column }} is null order by {{ comparable(column) }} {{ direction }}
    {%- endset -%}
    case
        when {{ column }} is not null then coalesce(
            cast(
                rank() over ({{ ranked_window }})
                + count(*) over ({{ ranked_window }} range between unbounded preceding and current row)
                - 2 as double
            )
            / nullif(2 * (count({{ column }}) over (partition by {{ partition_by }}) - 1), 0),
            cast(1 as double) / 2
        )
    end
{%- endmacro %}


{#
    geography_risk_factor(import_complexity, regional_risk): one 0..1 risk
    factor from the two revenue-weighted country factors of seed
    country_risk_factors. Import complexity weighs
    var('geography_import_complexity_weight'), regional risk the rest.
#}
{% macro geography_risk_factor(import_complexity, regional_risk) -%}
    {%- set import_weight = validated_var('geography_import_complexity_weight') -%}
    {%- if import_weight < 0 or import_weight > 1 -%}
        {%- do exceptions.raise_compiler_error(
            "var geography_import_complexity_weight must lie between 0 and 1, got " ~ import_weight) -%}
    {%- endif -%}
    ({{ import_weight }} * {{ import_complexity }} + {{ 1 - import_weight }} * {{ regional_risk }})
{%- endmacro %}


{#
    grain_has_customer(grain) / grain_has_product(grain): whether an entity of
    the grain is (or contains) one customer, or one product. Read from the
    grain's entity definition in all_segmentation_grains(), so a new grain
    needs no second list.
#}
{% macro grain_has_customer(grain) -%}
    {{ return('segment_customer_id' in segment_entity_id(grain)) }}
{%- endmacro %}


{% macro grain_has_product(grain) -%}
    {{ return('product_id' in segment_entity_id(grain)) }}
{%- endmacro %}

