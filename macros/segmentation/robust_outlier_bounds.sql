{#
    A select of (<partition_by>, lower_bound, upper_bound, line_count) from
    <relation>: the robust outlier limits of <column> per partition, in the
    column's own unit, by var('outlier_method') and k = var('outlier_multiplier'):
      log_mad (default)  on ln(value) of positive values: median +/- s, where
                         s = max(k * 1.4826 * MAD, ln(var('outlier_min_ratio_to_median'))),
                         limits turned back into values with exp(). Order
                         sizes are right-skewed, so the log scale keeps the
                         ordinary long tail in and still catches a 100x order;
                         the ratio floor means a line is never flagged unless
                         it is that many times the typical one (or a fraction of it).
      mad                median +/- k * 1.4826 * MAD on the raw values (the
                         median stands in for the scale when MAD is 0).
      iqr                [Q1 - k * IQR, Q3 + k * IQR] on the raw values.
    Partitions with fewer than var('outlier_min_lines') values get no limits
    (not judged).
#}
{% macro robust_outlier_bounds(relation, column, partition_by) -%}
    {%- set method = validated_var('outlier_method') -%}
    {%- set k = sql_number_var('outlier_multiplier') -%}
    {%- set min_lines = sql_number_var('outlier_min_lines') -%}
    {%- if method in ['mad', 'log_mad'] -%}
        {%- set value = 'ln(' ~ column ~ ')' if method == 'log_mad' else column -%}
        {%- set positive_only = column ~ ' > 0' if method == 'log_mad' else 'true' -%}
    select
        {{ partition_by }},
        {%- if method == 'log_mad' %}
        exp(centre_value - greatest({{ k }} * scale_value, ln({{ sql_number_var('outlier_min_ratio_to_median') }})))
            as lower_bound,
        exp(centre_value + greatest({{ k }} * scale_value, ln({{ sql_number_var('outlier_min_ratio_to_median') }})))
            as upper_bound,
        {%- else %}
        centre_value - {{ k }} * scale_value as lower_bound,
        centre_value + {{ k }} * scale_value as upper_bound,
        {%- endif %}
        line_count
    from (
        select
            deviations.{{ partition_by }},
            deviations.centre_value,
            deviations.line_count,
            case
                when median(deviations.absolute_deviation) > 0 then 1.4826 * median(deviations.absolute_deviation)
                {%- if method == 'log_mad' %}
                else 0
                {%- else %}
                else abs(deviations.centre_value)
                {%- endif %}
            end as scale_value
        from (
            select
                values_judged.{{ partition_by }},
                medians.centre_value,
                medians.line_count,
                abs(values_judged.judged_value - medians.centre_value) as absolute_deviation
            from (
                select
                    {{ partition_by }},
                    {{ value }} as judged_value
                from {{ relation }}
                where {{ positive_only }}
            ) as values_judged
            inner join (
                select
                    {{ partition_by }},
                    median({{ value }}) as centre_value,
                    count(*) as line_count
                from {{ relation }}
                where {{ positive_only }}
                group by {{ partition_by }}
                having count(*) >= {{ min_lines }}
            ) as medians
                on values_judged.{{ partition_by }} = medians.{{ partition_by }}
        ) as deviations
        group by deviations.{{ partition_by }}, deviations.centre_value, deviations.line_count
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
        {%- do exceptions.raise_compiler_error(
            "var outlier_method must be 'log_mad', 'mad' or 'iqr', got '" ~ method ~ "'") -%}
    {%- endif -%}
{%- endmacro %}
