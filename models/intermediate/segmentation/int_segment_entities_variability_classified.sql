{#
    XYZ class, demand pattern and lifecycle status per grain and entity,
    from the zero-filled demand series (int_demand_by_period_filled, which
    starts where var adi_window says). Doc blocks xyz_classification and
    demand_patterns. With N periods in the window, f and l the entity's first
    and last demand periods and k its number of demand periods:
      lifecycle  no_demand (k = 0), phased_out (N - l >= var
                 phased_out_after_periods), new (N - f + 1 < var
                 min_history_periods), else active
      series     ends at l under between_demands, at l for phased-out
                 entities under from_first_demand, else at N (always at N
                 when k < 2)
      demand     scaled to a period of average length (x / days * mean days)
                 when var normalise_demand_by_period_length is true
      ADI  = (l - f) / (k - 1) under between_demands when k >= 2, else
             periods in the series / k
      CV   = standard deviation / mean of the series, zeros included  -> XYZ (seed xyz_thresholds)
      CV2  = (standard deviation / mean) ^ 2 of the periods with demand > 0
      SBC quadrant on ADI and CV2 with the cut-offs of seed demand_pattern_cutoffs.
    Standard deviations by var cv_deviation (population or sample). Rules
    before the quadrant: no demand in the window -> 'no_demand' and the last
    XYZ class; fewer than var min_history_periods periods since the first
    demand -> 'new' and the provisional class var new_entity_provisional_xyz_class.
    With var decay_half_life_periods set, a decayed CV (weighted mean and
    variance) gives xyz_class_decayed, which xyz_class then follows.
    Measures are computed in double precision (dbt.type_float() is a 4-byte
    float on DuckDB, too coarse for ratios compared with cut-offs) and
    rounded to 12 decimal places (rounded_measure) before they are classified
    and shown.
#}
with

filled as (
    select * from {{ ref('int_demand_by_period_filled') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

thresholds as (
    select * from {{ ref('xyz_thresholds') }}
),

cutoffs as (
    select * from {{ ref('demand_pattern_cutoffs') }}
),

window_size as (
    select
        max(window_period_count) as window_period_count,
        avg(cast(days_in_period as double)) as mean_days_in_period
    from periods
),

sbc_cutoffs as (
    select
        max(case when parameter = 'adi_cutoff' then value end) as adi_cutoff,
        max(case when parameter = 'cv_squared_cutoff' then value end) as cv_squared_cutoff
    from cutoffs
),

last_class as (
    select xyz_class
    from thresholds
    where class_rank = (select max(ranks.class_rank) from thresholds as ranks)
),

-- One row per entity and period of the zero-filled series, demand in double precision.
series_rows as (
    select
        filled.grain,
        filled.entity_id,
        filled.window_period_number,
        filled.is_demand_period,
        {%- if normalise_demand_by_period_length() %}
            -- per day first, so equal daily rates give identical doubles (a steady series has CV exactly 0)
            cast(filled.demand_quantity as double) / cast(periods.days_in_period as double)
            * window_size.mean_days_in_period as demand_quantity
        {%- else %}
            cast(filled.demand_quantity as double) as demand_quantity
        {%- endif %}
    from filled
    inner join periods
        on filled.window_period_number = periods.window_period_number
    cross join window_size
),

-- Each entity's series as one list of its periods in period order, so the means and variances below do not
-- depend on how threads split the rows (doc block stable_numbers). Sorting each entity's short list on the
-- period (unique within the entity) gives the order an ordered aggregate would, at a fraction of its cost over
-- the grid, and the grid is read once: bounds, series and measures all come from the list.
entity_series as (
    select
        grain,
        entity_id,
        list_sort(list({
            'window_period_number': window_period_number,
            'demand_quantity': demand_quantity,
            'is_demand_period': is_demand_period
        })) as series_periods
    from series_rows
    group by grain, entity_id
),

entity_demand_periods as (
    select
        grain,
        entity_id,
        series_periods,
        list_transform(
            list_filter(series_periods, lambda period: struct_extract(period, 'is_demand_period')),
            lambda period: struct_extract(period, 'window_period_number')
        ) as demand_period_numbers
    from entity_series
),

entity_bounds as (
    select
        entity_demand_periods.grain,
        entity_demand_periods.entity_id,
        entity_demand_periods.series_periods,
        window_size.window_period_count,
        entity_demand_periods.series_periods[1].window_period_number as series_start_period_number,
        list_min(entity_demand_periods.demand_period_numbers) as first_demand_period_number,
        list_max(entity_demand_periods.demand_period_numbers) as last_demand_period_number,
        len(entity_demand_periods.demand_period_numbers) as demand_period_count
    from entity_demand_periods
    cross join window_size
),

lifecycles as (
    select
        *,
        coalesce(window_period_count - first_demand_period_number + 1, 0) as history_period_count,
        case
            when demand_period_count = 0 then 'no_demand'
            when window_period_count - last_demand_period_number >= {{ phased_out_after_periods() }}
                then 'phased_out'
            when window_period_count - first_demand_period_number + 1 < {{ sql_number_var('min_history_periods') }}
                then 'new'
            else 'active'
        end as lifecycle_status
    from entity_bounds
),

series_bounds as (
    select
        *,
        case
            when demand_period_count < 2 then window_period_count
            {%- if adi_window() == 'between_demands' %}
                else last_demand_period_number
            {%- elif adi_window() == 'from_first_demand' %}
                when lifecycle_status = 'phased_out' then last_demand_period_number
                else window_period_count
            {%- else %}
                else window_period_count
            {%- endif %}
        end as series_end_period_number
    from lifecycles
),

series as (
    select
        grain,
        entity_id,
        window_period_count,
        list_filter(
            series_periods,
            lambda period: struct_extract(period, 'window_period_number') <= series_end_period_number
        ) as series_periods
    from series_bounds
),

series_lists as (
    select
        grain,
        entity_id,
        window_period_count,
        series_periods,
        len(series_periods) as series_period_count,
        list_transform(series_periods, lambda period: struct_extract(period, 'demand_quantity')) as demand_values,
        list_transform(
            series_periods,
            lambda period: case
                when struct_extract(period, 'is_demand_period') then struct_extract(period, 'demand_quantity')
            end
        ) as nonzero_demand_values
    from series
),

-- Time-decayed mean and dispersion (null without decay), each summed over the list in period order like every
-- measure here; the weight of a period is period_decay_weight().
{%- set period_weight = period_decay_weight("struct_extract(period, 'window_period_number')", 'window_period_count') %}
{%- set period_demand = "struct_extract(period, 'demand_quantity')" %}
decayed_means as (
    select
        *,
        {%- if decay_is_on() %}
            list_sum(list_transform(series_periods, lambda period: {{ period_weight }} * {{ period_demand }}))
            / list_sum(list_transform(series_periods, lambda period: {{ period_weight }})) as mean_demand_decayed
        {%- else %}
            cast(null as double) as mean_demand_decayed
        {%- endif %}
    from series_lists
),

decayed_sums as (
    select
        *,
        {%- if decay_is_on() %}
            list_sum(list_transform(
                series_periods,
                lambda period: {{ period_weight }}
                * ({{ period_demand }} - mean_demand_decayed) * ({{ period_demand }} - mean_demand_decayed)
            )) as sum_of_squares_decayed,
            list_sum(list_transform(series_periods, lambda period: {{ period_weight }})) as decay_weight_sum,
            list_sum(list_transform(series_periods, lambda period: {{ period_weight }} * {{ period_weight }}))
                as decay_weight_square_sum
        {%- else %}
            cast(null as double) as sum_of_squares_decayed,
            cast(null as double) as decay_weight_sum,
            cast(null as double) as decay_weight_square_sum
        {%- endif %}
    from decayed_means
),

entity_sums as (
    select
        grain,
        entity_id,
        series_period_count,
        mean_demand_decayed,
        sum_of_squares_decayed,
        decay_weight_sum,
        decay_weight_square_sum,
        {{ series_mean('demand_values') }} as mean_demand_per_period,
        {{ series_variance('demand_values') }} as variance_demand_per_period,
        {{ series_mean('nonzero_demand_values') }} as mean_nonzero_demand,
        {{ series_variance('nonzero_demand_values') }} as variance_nonzero_demand
    from decayed_sums
),

variances as (
    select
        series_bounds.*,
        entity_sums.series_period_count,
        entity_sums.mean_demand_per_period,
        entity_sums.variance_demand_per_period,
        entity_sums.mean_nonzero_demand,
        entity_sums.variance_nonzero_demand,
        entity_sums.mean_demand_decayed,
        {{ dispersion_variance('entity_sums.sum_of_squares_decayed', 'entity_sums.decay_weight_sum',
            'entity_sums.decay_weight_square_sum') }} as variance_demand_decayed
    from series_bounds
    inner join entity_sums
        on series_bounds.grain = entity_sums.grain
            and series_bounds.entity_id = entity_sums.entity_id
),

unrounded_measures as (
    select
        grain,
        entity_id,
        series_start_period_number,
        series_end_period_number,
        first_demand_period_number,
        last_demand_period_number,
        series_period_count,
        demand_period_count,
        history_period_count,
        lifecycle_status,
        mean_demand_per_period,
        mean_nonzero_demand,
        sqrt(variance_demand_per_period) as stddev_demand_per_period,
        case
            when mean_demand_per_period > 0 then sqrt(variance_demand_per_period) / mean_demand_per_period
        end as coefficient_of_variation,
        {%- if adi_window() == 'between_demands' %}
            case
                when demand_period_count >= 2
                    then cast(last_demand_period_number - first_demand_period_number as double)
                        / (demand_period_count - 1)
                else cast(series_period_count as double) / nullif(demand_period_count, 0)
            end as average_demand_interval,
        {%- else %}
            cast(series_period_count as double) / nullif(demand_period_count, 0) as average_demand_interval,
        {%- endif %}
        sqrt(variance_nonzero_demand) as stddev_nonzero_demand,
        variance_nonzero_demand / (mean_nonzero_demand * mean_nonzero_demand) as cv_squared_nonzero,
        case
            when mean_demand_decayed > 0 then sqrt(variance_demand_decayed) / mean_demand_decayed
        end as coefficient_of_variation_decayed
    from variances
),

entity_measures as (
    select
        grain,
        entity_id,
        series_start_period_number,
        series_end_period_number,
        first_demand_period_number,
        last_demand_period_number,
        series_period_count,
        demand_period_count,
        history_period_count,
        lifecycle_status,
        {{ rounded_measure('mean_demand_per_period') }} as mean_demand_per_period,
        {{ rounded_measure('mean_nonzero_demand') }} as mean_nonzero_demand,
        {{ rounded_measure('stddev_demand_per_period') }} as stddev_demand_per_period,
        {{ rounded_measure('coefficient_of_variation') }} as coefficient_of_variation,
        {{ rounded_measure('average_demand_interval') }} as average_demand_interval,
        {{ rounded_measure('stddev_nonzero_demand') }} as stddev_nonzero_demand,
        {{ rounded_measure('cv_squared_nonzero') }} as cv_squared_nonzero,
        {{ rounded_measure('coefficient_of_variation_decayed') }} as coefficient_of_variation_decayed
    from unrounded_measures
),

class_ranks as (
    select
        entity_measures.grain,
        entity_measures.entity_id,
        {{ xyz_class_rank('entity_measures.coefficient_of_variation', 'thresholds.cv_upper', 'thresholds.class_rank') }}
            as cv_class_rank,
        {{ xyz_class_rank(
            'entity_measures.coefficient_of_variation_decayed', 'thresholds.cv_upper', 'thresholds.class_rank'
        ) }} as cv_decayed_class_rank
    from entity_measures
    cross join thresholds
    group by entity_measures.grain, entity_measures.entity_id
),

classified as (
    select
        entity_measures.*,
        entity_measures.demand_period_count = 0 as has_no_demand,
        entity_measures.demand_period_count > 0
        and entity_measures.history_period_count < {{ sql_number_var('min_history_periods') }} as is_new_entity,
        coalesce(cv_class.xyz_class, last_class.xyz_class) as cv_xyz_class,
        coalesce(cv_decayed_class.xyz_class, last_class.xyz_class) as cv_decayed_xyz_class,
        last_class.xyz_class as last_xyz_class,
        {{ sbc_demand_pattern(
            'entity_measures.average_demand_interval', 'entity_measures.cv_squared_nonzero',
            'sbc_cutoffs.adi_cutoff', 'sbc_cutoffs.cv_squared_cutoff'
        ) }} as sbc_demand_pattern
    from entity_measures
    inner join class_ranks
        on entity_measures.grain = class_ranks.grain
            and entity_measures.entity_id = class_ranks.entity_id
    cross join sbc_cutoffs
    cross join last_class
    left join thresholds as cv_class
        on class_ranks.cv_class_rank = cv_class.class_rank
    left join thresholds as cv_decayed_class
        on class_ranks.cv_decayed_class_rank = cv_decayed_class.class_rank
),

final as (
    select
        grain,
        entity_id,
        series_start_period_number,
        series_end_period_number,
        first_demand_period_number,
        last_demand_period_number,
        history_period_count,
        demand_period_count,
        lifecycle_status,
        mean_demand_per_period,
        stddev_demand_per_period,
        coefficient_of_variation,
        case
            when has_no_demand then last_xyz_class
            when is_new_entity then {{ sql_text_var('new_entity_provisional_xyz_class') }}
            else cv_xyz_class
        end as xyz_class_undecayed,
        average_demand_interval,
        mean_nonzero_demand,
        stddev_nonzero_demand,
        cv_squared_nonzero,
        case
            when has_no_demand then 'no_demand'
            when is_new_entity then 'new'
            else sbc_demand_pattern
        end as demand_pattern,
        is_new_entity,
        is_new_entity as is_provisional,
        coefficient_of_variation_decayed,
        {%- if decay_is_on() %}
            case
                when has_no_demand then last_xyz_class
                when is_new_entity then {{ sql_text_var('new_entity_provisional_xyz_class') }}
                else cv_decayed_xyz_class
            end as xyz_class_decayed,
        {%- else %}
            cast(null as {{ dbt.type_string() }}) as xyz_class_decayed,
        {%- endif %}
        '{{ adi_window() }}' as adi_window,
        '{{ cv_deviation() }}' as cv_deviation,
        {{ 'true' if normalise_demand_by_period_length() else 'false' }} as is_demand_normalised_by_period_length
    from classified
)

select
    *,
    coalesce(xyz_class_decayed, xyz_class_undecayed) as xyz_class
from final
