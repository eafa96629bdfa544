{#
    A select of (<partition_by>, lower_bound, upper_bound, line_count) from
    <relation>: the robust outlier limits of <column> per partition, by
    var('outlier_method') ('mad' or 'iqr') and k = var('outlier_multiplier').
    Partitions with fewer than var('outlier_min_lines') rows get null
    limits (not judged). When MAD is 0 (most values identical, e.g. single
    units), the median itself is the scale, so only values more than
    (1 + k) times the typical one are flagged.
#}
{% macro robust_outlier_bounds(relation, column, partition_by) -%}
    {%- set method = var('outlier_method') -%}
    {%- set k = var('outlier_multiplier') | float -%}
    {%- set min_lines = var('outlier_min_lines') | int -%}
    {%- if method == 'mad' -%}
    select
        centre.{{ partition_by }},
        centre.centre_value - {{ k }} * centre.scale_value as lower_bound,
        centre.centre_value + {{ k }} * centre.scale_value as upper_bound,
        centre.line_count
    from (
        select
            {{ relation }}.{{ partition_by }},
            medians.centre_value,
            medians.line_count,
            case
                when median(abs({{ relation }}.{{ column }} - medians.centre_value)) > 0
                    then 1.4826 * median(abs({{ relation }}.{{ column }} - medians.centre_value))
                else abs(medians.centre_value)
            end as scale_value
        from {{ relation }}
        inner join (
            select
                {{ partition_by }},
                median({{ column }}) as centre_value,
                count(*) as line_count
            from {{ relation }}
            group by {{ partition_by }}
            having count(*) >= {{ min_lines }}
        ) as medians
            on {{ relation }}.{{ partition_by }} = medians.{{ partition_by }}
        group by {{ relation }}.{{ partition_by }}, medians.centre_value, medians.line_count
    ) as centre
    {%- elif method == 'iqr' -%}
    select
        {{ partition_by }},
        quantile_cont({{ column }}, 0.25)
        - {{ k }} * (quantile_cont({{ column }}, 0.75) - quantile_cont({{ column }}, 0.25)) as lower_bound,
        quantile_cont({{ column }}, 0.75)
        + {{ k }} * (quantile_cont({{ column }}, 0.75) - quantile_cont({{ column }}, 0.25)) as upper_bound,
        count(*) as line_count
    from {{ relation }}
    group by {{ partition_by }}
    having count(*) >= {{ min_lines }}
    {%- else -%}
        {%- do exceptions.raise_compiler_error("var outlier_method must be 'mad' or 'iqr', got '" ~ method ~ "'") -%}
    {%- endif -%}
{%- endmacro %}
