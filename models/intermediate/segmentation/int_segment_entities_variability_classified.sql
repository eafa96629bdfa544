{#
    XYZ class and demand pattern per grain and entity, from the zero-filled
    demand series (int_demand_by_period_filled, which starts where var
    adi_window says). Doc blocks xyz_classification and demand_patterns.
      ADI  = periods in the series / periods with demand > 0
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
    float on DuckDB, too coarse for ratios compared with cut-offs).
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
    select max(window_period_count) as window_period_count
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

series as (
    select
        filled.grain,
        filled.entity_id,
        filled.window_period_number,
        filled.is_demand_period,
        window_size.window_period_count,
        cast(filled.demand_quantity as double) as demand_quantity,
        case
            when filled.is_demand_period then cast(filled.demand_quantity as double)
        end as nonzero_demand_quantity,
        {{ period_decay_weight('filled.window_period_number', 'window_size.window_period_count') }} as decay_weight
    from filled
    cross join window_size
),

series_totals as (
    select
        grain,
        entity_id,
        {{ ordered_sum('demand_quantity', 'window_period_number') }}
        / count(demand_quantity) as mean_demand_per_period,
        {{ ordered_sum('nonzero_demand_quantity', 'window_period_number') }}
        / nullif(count(nonzero_demand_quantity), 0) as mean_nonzero_demand,
        {{ ordered_sum('decay_weight * demand_quantity', 'window_period_number') }}
        / {{ ordered_sum('decay_weight', 'window_period_number') }} as mean_demand_decayed
    from series
    group by grain, entity_id
),

series_means as (
    select
        series.*,
        series_totals.mean_demand_per_period,
        series_totals.mean_nonzero_demand,
        series_totals.mean_demand_decayed
    from series
    inner join series_totals
        on series.grain = series_totals.grain
            and series.entity_id = series_totals.entity_id
),

entity_sums as (
    select
        grain,
        entity_id,
        min(window_period_number) as series_start_period_number,
        min(case when is_demand_period then window_period_number end) as first_demand_period_number,
        max(window_period_count) as window_period_count,
        count(*) as series_period_count,
        count(nonzero_demand_quantity) as demand_period_count,
        max(mean_demand_per_period) as mean_demand_per_period,
        max(mean_nonzero_demand) as mean_nonzero_demand,
        max(mean_demand_decayed) as mean_demand_decayed,
        {{ ordered_sum(
            '(demand_quantity - mean_demand_per_period) * (demand_quantity - mean_demand_per_period)',
            'window_period_number'
        ) }} as sum_of_squares,
        {{ ordered_sum(
            '(nonzero_demand_quantity - mean_nonzero_demand) * (nonzero_demand_quantity - mean_nonzero_demand)',
            'window_period_number'
        ) }} as sum_of_squares_nonzero,
        {{ ordered_sum(
            'decay_weight * (demand_quantity - mean_demand_decayed) * (demand_quantity - mean_demand_decayed)',
            'window_period_number'
        ) }} as sum_of_squares_decayed,
        {{ ordered_sum('decay_weight', 'window_period_number') }} as decay_weight_sum,
        {{ ordered_sum('decay_weight * decay_weight', 'window_period_number') }} as decay_weight_square_sum
    from series_means
    group by grain, entity_id
),

variances as (
    select
        *,
        {{ dispersion_variance('sum_of_squares', 'series_period_count', 'series_period_count') }}
            as variance_demand_per_period,
        {{ dispersion_variance('sum_of_squares_nonzero', 'demand_period_count', 'demand_period_count') }}
            as variance_nonzero_demand,
        {{ dispersion_variance('sum_of_squares_decayed', 'decay_weight_sum', 'decay_weight_square_sum') }}
            as variance_demand_decayed
    from entity_sums
),

entity_measures as (
    select
        grain,
        entity_id,
        series_start_period_number,
        first_demand_period_number,
        series_period_count,
        demand_period_count,
        mean_demand_per_period,
        mean_nonzero_demand,
        coalesce(window_period_count - first_demand_period_number + 1, 0) as history_period_count,
        sqrt(variance_demand_per_period) as stddev_demand_per_period,
        case
            when mean_demand_per_period > 0 then sqrt(variance_demand_per_period) / mean_demand_per_period
        end as coefficient_of_variation,
        cast(series_period_count as double) / nullif(demand_period_count, 0) as average_demand_interval,
        sqrt(variance_nonzero_demand) as stddev_nonzero_demand,
        variance_nonzero_demand / (mean_nonzero_demand * mean_nonzero_demand) as cv_squared_nonzero,
        case
            when mean_demand_decayed > 0 then sqrt(variance_demand_decayed) / mean_demand_decayed
        end as coefficient_of_variation_decayed
    from variances
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
        and entity_measures.history_period_count < {{ var('min_history_periods') | int }} as is_new_entity,
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
        first_demand_period_number,
        history_period_count,
        demand_period_count,
        mean_demand_per_period,
        stddev_demand_per_period,
        coefficient_of_variation,
        case
            when has_no_demand then last_xyz_class
            when is_new_entity then '{{ var("new_entity_provisional_xyz_class") }}'
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
                when is_new_entity then '{{ var("new_entity_provisional_xyz_class") }}'
                else cv_decayed_xyz_class
            end as xyz_class_decayed,
        {%- else %}
            cast(null as {{ dbt.type_string() }}) as xyz_class_decayed,
        {%- endif %}
        '{{ adi_window() }}' as adi_window,
        '{{ cv_deviation() }}' as cv_deviation
    from classified
)

select
    *,
    coalesce(xyz_class_decayed, xyz_class_undecayed) as xyz_class
from final
