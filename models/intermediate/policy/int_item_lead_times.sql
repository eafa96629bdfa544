{#
    Lead time of every item (product x plant) sold in the analysis window, in
    days, mean and sample standard deviation (doc block policy_lead_time):
    from deliveries where at least var min_lead_time_observations of the
    item's sales lines have a delivered date (lead time of a line = delivered
    date of its last delivery minus its order date), else the product's
    lead_time_days with a deviation of 0, else var default_lead_time_days.
    lead_time_source names which one each row uses.
#}
with

lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

deliveries as (
    select * from {{ ref('stg_wms__deliveries') }}
    where rejection_reason is null
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

window_bounds as (
    select
        min(period_start_date) as window_start_date,
        max(period_end_date) as window_end_date
    from periods
),

lines_in_window as (
    select
        lines.business_unit_id,
        lines.order_id,
        lines.order_line_number,
        lines.order_date,
        lines.product_id,
        lines.plant_id,
        lines.is_return
    from lines
    cross join window_bounds
    where lines.order_date between window_bounds.window_start_date and window_bounds.window_end_date
),

last_deliveries as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        max(delivered_date) as last_delivered_date
    from deliveries
    group by business_unit_id, order_id, order_line_number
),

line_lead_times as (
    select
        lines_in_window.product_id,
        lines_in_window.plant_id,
        {{ dbt.datediff('lines_in_window.order_date', 'last_deliveries.last_delivered_date', 'day') }}
            as lead_time_days
    from lines_in_window
    inner join last_deliveries
        on lines_in_window.business_unit_id = last_deliveries.business_unit_id
            and lines_in_window.order_id = last_deliveries.order_id
            and lines_in_window.order_line_number = last_deliveries.order_line_number
    where not lines_in_window.is_return
        and last_deliveries.last_delivered_date >= lines_in_window.order_date
),

items as (
    select distinct
        product_id,
        plant_id
    from lines_in_window
),

delivery_first_pass as (
    select
        product_id,
        plant_id,
        count(*) as lead_time_observation_count,
        {{ exact_sum('lead_time_days') }} / count(*) as lead_time_days_mean
    from line_lead_times
    group by product_id, plant_id
),

delivery_stats as (
    select
        delivery_first_pass.product_id,
        delivery_first_pass.plant_id,
        delivery_first_pass.lead_time_observation_count,
        delivery_first_pass.lead_time_days_mean,
        case
            when delivery_first_pass.lead_time_observation_count > 1
                then sqrt(
                        {{ exact_sum(
                        'power(line_lead_times.lead_time_days - delivery_first_pass.lead_time_days_mean, 2)'
                    ) }}
                        / (delivery_first_pass.lead_time_observation_count - 1)
                    )
            else 0
        end as lead_time_days_std
    from delivery_first_pass
    inner join line_lead_times
        on delivery_first_pass.product_id = line_lead_times.product_id
            and delivery_first_pass.plant_id = line_lead_times.plant_id
    group by
        delivery_first_pass.product_id,
        delivery_first_pass.plant_id,
        delivery_first_pass.lead_time_observation_count,
        delivery_first_pass.lead_time_days_mean
),

final as (
    select
        items.product_id,
        items.plant_id,
        products.lead_time_days as product_lead_time_days,
        coalesce(delivery_stats.lead_time_observation_count, 0) as lead_time_observation_count,
        case
            when delivery_stats.lead_time_observation_count >= {{ sql_number_var('min_lead_time_observations') }}
                then 'deliveries'
            when products.lead_time_days is not null then 'product_lead_time_days'
            else 'default_lead_time_days'
        end as lead_time_source,
        case
            when delivery_stats.lead_time_observation_count >= {{ sql_number_var('min_lead_time_observations') }}
                then delivery_stats.lead_time_days_mean
            else cast(coalesce(products.lead_time_days, {{ sql_number_var('default_lead_time_days') }}) as double)
        end as lead_time_days_mean,
        case
            when delivery_stats.lead_time_observation_count >= {{ sql_number_var('min_lead_time_observations') }}
                then delivery_stats.lead_time_days_std
            else 0
        end as lead_time_days_std
    from items
    left join delivery_stats
        on items.product_id = delivery_stats.product_id
            and items.plant_id = delivery_stats.plant_id
    left join products
        on items.product_id = products.product_id
)

select * from final
