-- The customer and product classification as one DuckDB script (supplyseg.bench.baseline_duckdb).
-- The raw files are views raw_<entity> (every contract column as trimmed text, _row = position in the
-- file, _rejected = the input contract's row checks failed), made by baseline_duckdb.py, which also
-- fills the dollar-sign template parameters below from the project's vars and seeds (text as quoted literals).

create or replace temp table usable_lines as
with

order_lines as (
    select
        *,
        row_number() over (partition by $order_line_columns order by _row) as exact_copy_number,
        row_number() over (
            partition by business_unit_id, order_id, try_cast(order_line_number as integer) order by _row
        ) as key_copy_number
    from raw_order_lines
),

business_units as (
    select business_unit_id, upper(currency_code) as unit_currency_code
    from raw_business_units
    where not _rejected
    qualify row_number() over (partition by business_unit_id order by _row) = 1
),

customers as (
    select business_unit_id || ':' || customer_id as customer_key
    from raw_customers
    where not _rejected
    qualify row_number() over (partition by business_unit_id || ':' || customer_id order by _row) = 1
),

crm_accounts as (
    select business_unit_id || ':' || customer_id as customer_key, global_account_id
    from raw_crm_accounts
    where not _rejected
    qualify row_number() over (partition by business_unit_id || ':' || customer_id order by _row) = 1
),

products as (
    select product_id, try_cast(standard_cost as double) as standard_cost
    from raw_products
    where not _rejected
    qualify row_number() over (partition by product_id order by _row) = 1
),

fx_rates as (
    select
        upper(currency_code) as currency_code,
        date_trunc('month', try_cast(rate_month as date)) as rate_month,
        try_cast(rate_to_reporting as double) as rate_to_reporting
    from raw_fx_rates
    where not _rejected
    qualify row_number() over (
        partition by upper(currency_code), date_trunc('month', try_cast(rate_month as date)) order by _row
    ) = 1
),

known_lines as (
    select
        order_lines.business_unit_id || ':' || order_lines.customer_id as customer_key,
        order_lines.product_id,
        try_cast(order_lines.order_date as date) as order_date,
        try_cast(order_lines.quantity as double) as quantity,
        try_cast(order_lines.unit_price as double) as unit_price,
        try_cast(order_lines.unit_cost as double) as unit_cost,
        products.standard_cost,
        coalesce(upper(order_lines.currency_code), business_units.unit_currency_code) as document_currency_code
    from order_lines
    inner join business_units on order_lines.business_unit_id = business_units.business_unit_id
    inner join customers on order_lines.business_unit_id || ':' || order_lines.customer_id = customers.customer_key
    inner join products on order_lines.product_id = products.product_id
    where not order_lines._rejected
        and order_lines.exact_copy_number = 1
        and order_lines.key_copy_number = 1
),

converted as (
    select
        known_lines.*,
        case
            when known_lines.document_currency_code = $reporting_currency then 1.0
            else fx_rates.rate_to_reporting
        end as fx_rate
    from known_lines
    left join fx_rates
        on known_lines.document_currency_code = fx_rates.currency_code
            and date_trunc('month', known_lines.order_date) = fx_rates.rate_month
)

select
    converted.customer_key,
    $customer_entity as customer_entity_id,
    converted.product_id,
    converted.order_date,
    converted.quantity,
    converted.quantity * converted.unit_price * converted.fx_rate as revenue,
    converted.quantity * converted.unit_price * converted.fx_rate
    - converted.quantity * coalesce(converted.unit_cost * converted.fx_rate, converted.standard_cost) as margin
from converted
left join crm_accounts on converted.customer_key = crm_accounts.customer_key
where converted.fx_rate is not null;

create or replace temp table classes as
with

reference as (
    select coalesce($reference_date, max(order_date)) as reference_date from usable_lines
),

months as (
    select cast(month_start as date) as period_start_date
    from reference,
        generate_series(
            date_trunc('month', reference.reference_date - interval $window_months month),
            date_trunc('month', reference.reference_date),
            interval 1 month
        ) as months(month_start)
),

periods as (
    select
        months.period_start_date,
        cast(months.period_start_date + interval 1 month - interval 1 day as date) as period_end_date,
        row_number() over (order by months.period_start_date) as period_number,
        datediff('day', months.period_start_date, months.period_start_date + interval 1 month) as days_in_period
    from months
    cross join reference
    where months.period_start_date + interval 1 month - interval 1 day <= reference.reference_date
        and months.period_start_date > reference.reference_date - interval $window_months month
),

window_size as (
    select count(*) as period_count, avg(cast(days_in_period as double)) as mean_days_in_period from periods
),

sales_values as (
    select product_id, 'quantity' as measure, ln(quantity) as log_value from usable_lines where quantity > 0
    union all
    select product_id, 'revenue' as measure, ln(revenue) from usable_lines where quantity > 0 and revenue > 0
),

medians as (
    select product_id, measure, median(log_value) as centre_value
    from sales_values
    group by product_id, measure
    having count(*) >= $outlier_min_lines
),

outlier_bounds as (
    select
        medians.product_id,
        medians.measure,
        exp(medians.centre_value - greatest($outlier_multiplier * coalesce(
            nullif(1.4826 * median(abs(sales_values.log_value - medians.centre_value)), 0), 0), ln($outlier_min_ratio)))
            as lower_bound,
        exp(medians.centre_value + greatest($outlier_multiplier * coalesce(
            nullif(1.4826 * median(abs(sales_values.log_value - medians.centre_value)), 0), 0), ln($outlier_min_ratio)))
            as upper_bound
    from medians
    inner join sales_values
        on medians.product_id = sales_values.product_id and medians.measure = sales_values.measure
    group by medians.product_id, medians.measure, medians.centre_value
),

lines_in_window as (
    select
        usable_lines.*,
        periods.period_number,
        usable_lines.quantity < 0 as is_return,
        usable_lines.quantity > 0 and coalesce(
            usable_lines.quantity < quantity_bounds.lower_bound or usable_lines.quantity > quantity_bounds.upper_bound
            or usable_lines.revenue < revenue_bounds.lower_bound or usable_lines.revenue > revenue_bounds.upper_bound,
            false
        ) as is_outlier
    from usable_lines
    inner join periods
        on usable_lines.order_date between periods.period_start_date and periods.period_end_date
    left join outlier_bounds as quantity_bounds
        on usable_lines.product_id = quantity_bounds.product_id and quantity_bounds.measure = 'quantity'
    left join outlier_bounds as revenue_bounds
        on usable_lines.product_id = revenue_bounds.product_id and revenue_bounds.measure = 'revenue'
),

counted as (
    select
        *,
        ($returns_count or not is_return) and not (is_outlier and $outlier_exclude_from_value) as counts_in_value,
        ($returns_count or not is_return) and not (is_outlier and $outlier_exclude_from_variability)
            as counts_in_variability
    from lines_in_window
),

entity_lines as (
    select 'customer' as grain, customer_entity_id as entity_id, * exclude (customer_entity_id) from counted
    union all
    select 'product' as grain, product_id as entity_id, * exclude (customer_entity_id) from counted
),

demand_by_period as (
    select
        grain,
        entity_id,
        period_number,
        sum(case when counts_in_variability then quantity else 0 end) as demand_quantity
    from entity_lines
    group by grain, entity_id, period_number
),

measures as (
    select
        grain,
        entity_id,
        sum(case when counts_in_value then revenue else 0 end) as revenue,
        case
            when count(case when counts_in_value and margin is null then 1 end) = 0
                then sum(case when counts_in_value then margin else 0 end)
        end as gross_margin,
        sum(case when counts_in_value then quantity else 0 end) as volume,
        count(case when counts_in_value then 1 end) as order_lines
    from entity_lines
    group by grain, entity_id
),

measure_config as (
    select * from (values $abc_measures) as config(grain, measure, fallback_measure, secondary_measure)
),

thresholds as (
    select * from (values $abc_thresholds) as thresholds(grain, class_rank, abc_class, cumulative_share_upper)
),

valued as (
    select
        measures.grain,
        measures.entity_id,
        case
            when measure_config.measure = 'gross_margin'
                and count(measures.gross_margin) over (partition by measures.grain)
                < count(*) over (partition by measures.grain)
                then measure_config.fallback_measure
            else measure_config.measure
        end as measure_used,
        measure_config.secondary_measure,
        measures.revenue,
        measures.gross_margin,
        measures.volume,
        measures.order_lines
    from measures
    inner join measure_config on measures.grain = measure_config.grain
),

ranked_values as (
    select grain, entity_id, 'primary' as ranking,
        case measure_used when 'revenue' then revenue when 'gross_margin' then gross_margin
            when 'volume' then volume when 'order_lines' then order_lines end as measure_value
    from valued
    union all
    select grain, entity_id, 'secondary' as ranking,
        case secondary_measure when 'revenue' then revenue when 'gross_margin' then gross_margin
            when 'volume' then volume when 'order_lines' then order_lines end as measure_value
    from valued
),

shares as (
    select
        grain,
        entity_id,
        ranking,
        coalesce(measure_value, 0) <= 0 as is_non_positive,
        row_number() over ranking_order as measure_rank,
        sum(case when measure_value > 0 then measure_value else 0 end) over (
            ranking_order rows between unbounded preceding and current row
        ) / nullif(sum(case when measure_value > 0 then measure_value else 0 end) over (
            partition by grain, ranking
        ), 0) as cumulative_share,
        (case when measure_value > 0 then measure_value else 0 end)
        / nullif(sum(case when measure_value > 0 then measure_value else 0 end) over (
            partition by grain, ranking
        ), 0) as measure_share
    from ranked_values
    window ranking_order as (
        partition by grain, ranking
        order by case when measure_value > 0 then 0 else 1 end, round(measure_value, 9) desc, entity_id
    )
),

abc_ranks as (
    select
        shares.grain,
        shares.entity_id,
        shares.ranking,
        coalesce(
            min(case
                when not shares.is_non_positive and (shares.measure_rank = 1 or $within_class)
                    then thresholds.class_rank
            end),
            max(thresholds.class_rank)
        ) as class_rank
    from shares
    inner join thresholds on shares.grain = thresholds.grain
    group by shares.grain, shares.entity_id, shares.ranking
),

abc as (
    select
        abc_ranks.grain,
        abc_ranks.entity_id,
        max(case when abc_ranks.ranking = 'primary' then thresholds.abc_class end) as abc_class,
        max(case when abc_ranks.ranking = 'primary' then thresholds.abc_class end)
        || max(case when abc_ranks.ranking = 'secondary' then thresholds.abc_class end) as multi_criteria_class
    from abc_ranks
    inner join thresholds
        on abc_ranks.grain = thresholds.grain and abc_ranks.class_rank = thresholds.class_rank
    group by abc_ranks.grain, abc_ranks.entity_id
),

entity_bounds as (
    select
        grain,
        entity_id,
        min(case when demand_quantity > 0 then period_number end) as first_demand_period,
        max(case when demand_quantity > 0 then period_number end) as last_demand_period,
        count(case when demand_quantity > 0 then 1 end) as demand_period_count,
        min(period_number) as first_line_period
    from demand_by_period
    group by grain, entity_id
),

series_bounds as (
    select
        entity_bounds.*,
        window_size.period_count,
        coalesce(first_demand_period, first_line_period) as series_start,
        case when demand_period_count < 2 then window_size.period_count else last_demand_period end as series_end
    from entity_bounds
    cross join window_size
),

series as (
    select
        series_bounds.grain,
        series_bounds.entity_id,
        periods.period_number,
        coalesce(demand_by_period.demand_quantity, 0) > 0 as is_demand_period,
        $normalised_demand as demand_quantity
    from series_bounds
    inner join periods
        on periods.period_number between series_bounds.series_start and series_bounds.series_end
    cross join window_size
    left join demand_by_period
        on series_bounds.grain = demand_by_period.grain
            and series_bounds.entity_id = demand_by_period.entity_id
            and periods.period_number = demand_by_period.period_number
),

series_measures as (
    select
        grain,
        entity_id,
        count(*) as series_period_count,
        avg(demand_quantity) as mean_demand,
        $variance(demand_quantity) as variance_demand,
        avg(case when is_demand_period then demand_quantity end) as mean_nonzero,
        $variance(case when is_demand_period then demand_quantity end) as variance_nonzero
    from series
    group by grain, entity_id
),

variability as (
    select
        series_bounds.grain,
        series_bounds.entity_id,
        series_bounds.demand_period_count,
        series_bounds.period_count - series_bounds.first_demand_period + 1 as history_period_count,
        round(case
            when series_measures.mean_demand > 0 then sqrt(series_measures.variance_demand) / series_measures.mean_demand
        end, 12) as cv,
        round(case
            when series_bounds.demand_period_count >= 2
                then cast(series_bounds.last_demand_period - series_bounds.first_demand_period as double)
                    / (series_bounds.demand_period_count - 1)
            else cast(series_measures.series_period_count as double) / nullif(series_bounds.demand_period_count, 0)
        end, 12) as adi,
        round(series_measures.variance_nonzero / (series_measures.mean_nonzero * series_measures.mean_nonzero), 12)
            as cv_squared
    from series_bounds
    inner join series_measures
        on series_bounds.grain = series_measures.grain and series_bounds.entity_id = series_measures.entity_id
),

xyz_thresholds as (
    select * from (values $xyz_thresholds) as thresholds(class_rank, xyz_class, cv_upper)
),

xyz_ranks as (
    select
        variability.grain,
        variability.entity_id,
        min(case when variability.cv < xyz_thresholds.cv_upper - $tolerance then xyz_thresholds.class_rank end)
            as class_rank
    from variability
    cross join xyz_thresholds
    group by variability.grain, variability.entity_id
),

classified as (
    select
        variability.grain,
        variability.entity_id,
        case
            when variability.demand_period_count = 0 then $last_xyz_class
            when variability.history_period_count < $min_history_periods then $provisional_xyz_class
            else coalesce(xyz_thresholds.xyz_class, $last_xyz_class)
        end as xyz_class,
        case
            when variability.demand_period_count = 0 then 'no_demand'
            when variability.history_period_count < $min_history_periods then 'new'
            when variability.adi < $adi_cutoff - $tolerance and variability.cv_squared < $cv_squared_cutoff - $tolerance
                then 'smooth'
            when variability.adi < $adi_cutoff - $tolerance then 'erratic'
            when variability.cv_squared < $cv_squared_cutoff - $tolerance then 'intermittent'
            else 'lumpy'
        end as demand_pattern
    from variability
    inner join xyz_ranks
        on variability.grain = xyz_ranks.grain and variability.entity_id = xyz_ranks.entity_id
    left join xyz_thresholds on xyz_ranks.class_rank = xyz_thresholds.class_rank
)

select
    classified.grain,
    classified.entity_id,
    abc.abc_class,
    abc.multi_criteria_class,
    classified.xyz_class,
    classified.demand_pattern
from classified
inner join abc on classified.grain = abc.grain and classified.entity_id = abc.entity_id;

select grain, entity_id, field, value
from classes
unpivot (value for field in ($fields))
order by grain, entity_id, field;
