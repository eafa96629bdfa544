{#
    Building blocks of XYZ and demand-pattern classification (doc blocks
    xyz_classification and demand_patterns in docs/xyz_and_demand_patterns.md).
#}


{#
    variability_convention(name, value, allowed): <value> (the value of
    var <name>) after checking that it is one of <allowed>; stops the build
    otherwise.
#}
{% macro variability_convention(name, value, allowed) -%}
    {%- if value not in allowed -%}
        {%- do exceptions.raise_compiler_error(
            "var " ~ name ~ " must be one of " ~ allowed | join(', ') ~ ", got '" ~ value ~ "'") -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{# adi_window(): var adi_window, checked (between_demands, from_first_demand or whole_window). #}
{% macro adi_window() -%}
    {{ return(variability_convention(
        'adi_window', validated_var('adi_window'), ['between_demands', 'from_first_demand', 'whole_window'])) }}
{%- endmacro %}


{#
    phased_out_after_periods(): var phased_out_after_periods, checked by
    validate_vars (a whole number of periods, at least 1). An entity whose
    last demand lies this many periods or more before the window end is
    phased out.
#}
{% macro phased_out_after_periods() -%}
    {{ return(validated_var('phased_out_after_periods')) }}
{%- endmacro %}


{#
    normalise_demand_by_period_length(): var
    normalise_demand_by_period_length, checked by validate_vars (true or
    false). When true, demand is scaled to a period of average length before
    CV and CV².
#}
{% macro normalise_demand_by_period_length() -%}
    {{ return(validated_var('normalise_demand_by_period_length')) }}
{%- endmacro %}


{# cv_deviation(): var cv_deviation, checked (population or sample). #}
{% macro cv_deviation() -%}
    {{ return(variability_convention('cv_deviation', validated_var('cv_deviation'), ['population', 'sample'])) }}
{%- endmacro %}


{#
    classification_tolerance(): numerical tolerance of cut-off comparisons. A
    value within it of a cut-off counts as on the cut-off (and so goes to the
    higher side), so that a ratio like 33 / 25 or 0.7 squared lands where the
    exact arithmetic would put it. A property of floating point, not a rule.
#}
{% macro classification_tolerance() -%}
    1e-9
{%- endmacro %}


{#
    rounded_measure(expression): a variability measure (ADI, CV, CV², means,
    standard deviations) rounded to 12 decimal places, far below the
    classification tolerance. The order of floating-point operations leaves
    noise in the last digits (a steady series would show a CV of 1e-16, a
    hand-worked 0.49 would read 0.48999999999999994); rounded, the measures
    show the value the arithmetic gives and two builds print the same digits.
    A property of floating point, not a rule.
#}
{% macro rounded_measure(expression) -%}
    round({{ expression }}, 12)
{%- endmacro %}


{#
    is_below_cutoff(value, cutoff): true when value is clearly below cutoff;
    a value on the cut-off (within the tolerance) or above is not. Null when
    value is null.
#}
{% macro is_below_cutoff(value, cutoff) -%}
    ({{ value }} < {{ cutoff }} - {{ classification_tolerance() }})
{%- endmacro %}


{#
    decay_is_on(): whether var decay_half_life_periods is set (and positive).
#}
{% macro decay_is_on() -%}
    {%- set half_life = validated_var('decay_half_life_periods') -%}
    {%- if half_life is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if half_life | float <= 0 -%}
        {%- do exceptions.raise_compiler_error(
            "var decay_half_life_periods must be a positive number of periods or null, got '" ~ half_life ~ "'") -%}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}


{#
    period_decay_weight(period_number, window_period_count): time-decay
    weight 0.5 ^ ((N - p) / half_life) of period p in an N-period window; a
    null double when decay is off.
#}
{% macro period_decay_weight(period_number, window_period_count) -%}
    {%- if decay_is_on() -%}
        power(0.5, ({{ window_period_count }} - {{ period_number }}) / {{ sql_number_var('decay_half_life_periods') }})
    {%- else -%}
        cast(null as double)
    {%- endif -%}
{%- endmacro %}


{#
    dispersion_variance(sum_of_squares, weight_sum, weight_square_sum): the
    variance from the (weighted) sum of squared deviations from the (weighted)
    mean, by var cv_deviation:
      population  sum_of_squares / W
      sample      sum_of_squares / (W - W2 / W)   (reliability weights; with
                  all weights 1 this is n - 1); 0 when the denominator is 0
                  (a single observation shows no variation).
    W is the sum of weights (the count when unweighted), W2 the sum of
    squared weights (again the count when unweighted). Null when W is 0 or null.
#}
{% macro dispersion_variance(sum_of_squares, weight_sum, weight_square_sum) -%}
    {%- if cv_deviation() == 'population' -%}
        {{ sum_of_squares }} / nullif({{ weight_sum }}, 0)
    {%- else -%}
        case
            when {{ weight_sum }} - {{ weight_square_sum }} / nullif({{ weight_sum }}, 0) > 0
                then {{ sum_of_squares }} / ({{ weight_sum }} - {{ weight_square_sum }} / {{ weight_sum }})
            when {{ weight_sum }} > 0 then 0
        end
    {%- endif -%}
{%- endmacro %}


{#
    series_variance(values): the variance of a list of an entity's period
    values (nulls ignored) by var cv_deviation: population (var_pop) or sample
    (var_samp; 0 for a single value, which shows no variation). Null without
    values. The database's one-pass (Welford) aggregates give exactly 0 for a
    constant series, where a mean-then-deviations sum can leave rounding noise
    of 1e-16. The list is built in period order, so the result does not depend
    on how threads split the rows (doc block stable_numbers).
#}
{% macro series_variance(values) -%}
    {%- if cv_deviation() == 'population' -%}
        list_var_pop({{ values }})
    {%- else -%}
        case
            when list_count({{ values }}) > 1 then list_var_samp({{ values }})
            when list_count({{ values }}) = 1 then 0
        end
    {%- endif -%}
{%- endmacro %}


{#
    series_mean(values): the mean of a list of an entity's period values
    (nulls ignored), built in period order so every run gives the same double
    (doc block stable_numbers).
#}
{% macro series_mean(values) -%}
    list_avg({{ values }})
{%- endmacro %}


{#
    sbc_demand_pattern(adi, cv_squared, adi_cutoff, cv_squared_cutoff): the
    Syntetos-Boylan-Croston quadrant; a value on a cut-off goes to the higher
    side (intermittent / erratic / lumpy). Null when a cut-off is missing
    (seed demand_pattern_cutoffs lacks a row), so the not_null test on
    demand_pattern stops the build instead of classing everything lumpy.
#}
{% macro sbc_demand_pattern(adi, cv_squared, adi_cutoff, cv_squared_cutoff) -%}
    case
        when {{ adi_cutoff }} is null or {{ cv_squared_cutoff }} is null then null
        when {{ adi }} is null or {{ cv_squared }} is null then null
        when {{ is_below_cutoff(adi, adi_cutoff) }} and {{ is_below_cutoff(cv_squared, cv_squared_cutoff) }}
            then 'smooth'
        when {{ is_below_cutoff(adi, adi_cutoff) }} then 'erratic'
        when {{ is_below_cutoff(cv_squared, cv_squared_cutoff) }} then 'intermittent'
        else 'lumpy'
    end
{%- endmacro %}


{#
    xyz_class_rank(coefficient_of_variation, cv_upper, class_rank): aggregate
    over the rows of seed xyz_thresholds: the rank of the first class whose
    upper limit the coefficient of variation is clearly below. Null when it
    reaches the last upper limit or is null; the caller gives those the last
    class.
#}
{% macro xyz_class_rank(coefficient_of_variation, cv_upper, class_rank) -%}
    min(case when {{ is_below_cutoff(coefficient_of_variation, cv_upper) }} then {{ class_rank }} end)
{%- endmacro %}
