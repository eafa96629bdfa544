{#
    Service profile per grain and entity over the analysis window: the inputs
    of the service_sensitivity and geography dimensions of the weighted
    score, and two flags the guardrails read.
      - short-lead-time share: lines whose requested date is at most
        var('short_lead_time_days') after the order date, among lines with a
        requested date (null when the entity has none);
      - geography: import complexity and regional risk of the country of the
        ordering customer (seed country_risk_factors, row '*' for a country
        without its own row), weighted by line revenue;
      - is_key_account for grains whose entity is or holds a customer,
        has_service_clause for grains whose entity is or holds a product;
      - the customer's and the product's descriptive attributes, carried
        along the segmentation spine to the segment dims (which read
        int_segment_assignments_final only).
    Lines are those of int_demand_by_period (order date in a window period);
    the measures use lines that count in value measures (counts_in_value),
    so returns and, by var, outliers follow the ABC rules.
#}
with

order_lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

country_factors as (
    select * from {{ ref('country_risk_factors') }}
),

deliveries as (
    select * from {{ ref('stg_wms__deliveries') }}
    where rejection_reason is null
),

delivered_lines as (
    -- One row per delivered order line: last delivery date and quantity delivered.
    select
        business_unit_id,
        order_id,
        order_line_number,
        max(delivered_date) as last_delivered_date,
        {{ exact_sum('coalesce(delivered_quantity, 0)') }} as delivered_quantity
    from deliveries
    group by business_unit_id, order_id, order_line_number
),

customer_countries as (
    select
        customer_key,
        country_code
    from customers
),

customer_accounts as (
    select
        segment_customer_id,
        bool_or(is_key_account) as is_key_account,
        max(global_account_id) as global_account_id,
        count(distinct business_unit_id) as business_unit_count,
        count(*) as erp_customer_count,
        min(sales_region) as sales_region
    from customers
    group by segment_customer_id
),

product_attributes as (
    select
        product_id,
        has_service_clause,
        product_name,
        product_family,
        unit_of_measure,
        lead_time_days
    from products
),

lines_in_window as (
    select order_lines.*
    from order_lines
    inner join periods
        on order_lines.order_date between periods.period_start_date and periods.period_end_date
),

line_facts as (
    select
        lines_in_window.segment_customer_id,
        lines_in_window.product_id,
        lines_in_window.channel,
        lines_in_window.logistics_unit,
        lines_in_window.plant_id,
        lines_in_window.counts_in_value,
        lines_in_window.counts_in_variability,
        lines_in_window.business_unit_id,
        lines_in_window.order_id,
        lines_in_window.order_date,
        lines_in_window.revenue_rep_ccy,
        customer_countries.country_code,
        country_factors.country_code is null as is_default_country,
        coalesce(country_factors.import_complexity, default_factors.import_complexity) as import_complexity,
        coalesce(country_factors.regional_risk, default_factors.regional_risk) as regional_risk,
        case
            when lines_in_window.counts_in_value and lines_in_window.requested_date is not null then 1
        end as has_requested_date,
        case
            when lines_in_window.counts_in_value
                and {{ dbt.datediff('lines_in_window.order_date', 'lines_in_window.requested_date', 'day') }}
                <= {{ sql_number_var('short_lead_time_days') }}
                then 1
        end as is_short_lead_time_request,
        case
            when lines_in_window.counts_in_value and lines_in_window.revenue_rep_ccy > 0
                then lines_in_window.revenue_rep_ccy
            else 0
        end as geography_revenue_rep_ccy,
        case when lines_in_window.counts_in_value then lines_in_window.ship_to_key end as counted_ship_to_key,
        case
            when lines_in_window.counts_in_value and lines_in_window.plant_id <> 'UNASSIGNED'
                then lines_in_window.plant_id
        end as counted_plant_id,
        case
            when lines_in_window.counts_in_value and not lines_in_window.is_return
                and delivered_lines.order_id is not null
                then 1
        end as is_delivered_line,
        case
            when lines_in_window.counts_in_value and not lines_in_window.is_return
                and (
                    delivered_lines.last_delivered_date > lines_in_window.requested_date
                    or delivered_lines.delivered_quantity < lines_in_window.quantity
                )
                then 1
        end as is_late_or_short_line
    from lines_in_window
    left join customer_countries
        on lines_in_window.customer_key = customer_countries.customer_key
    left join country_factors
        on customer_countries.country_code = country_factors.country_code
    left join country_factors as default_factors
        on default_factors.country_code = '*'
    left join delivered_lines
        on lines_in_window.business_unit_id = delivered_lines.business_unit_id
            and lines_in_window.order_id = delivered_lines.order_id
            and lines_in_window.order_line_number = delivered_lines.order_line_number
),

{% for grain in segmentation_grains() if grain in cluster_grains() %}
    order_values_{{ grain }} as (
        -- One row per entity and order: the order's value, from the lines that count in variability
        -- measures (sales; outliers left out by var outlier_exclude_from_variability): order size is behaviour.
        select
            {{ segment_entity_id(grain) }} as entity_id,
            business_unit_id,
            order_id,
            {{ exact_sum('revenue_rep_ccy') }} as order_value_rep_ccy
        from line_facts
        where counts_in_variability
        group by {{ segment_entity_id(grain) }}, business_unit_id, order_id
    ),

    orders_{{ grain }} as (
        select
            entity_id,
            count(*) as order_count,
            {{ exact_sum('order_value_rep_ccy') }} / count(*) as order_value_mean_rep_ccy,
            sqrt(greatest(
                {{ exact_sum('order_value_rep_ccy * order_value_rep_ccy') }} / count(*)
                - power({{ exact_sum('order_value_rep_ccy') }} / count(*), 2),
                0
            )) as order_value_stddev_rep_ccy
        from order_values_{{ grain }}
        group by entity_id
    ),

{% endfor %}
{% for grain in segmentation_grains() if grain not in cluster_grains() %}
    orders_{{ grain }} as (
        -- Not clustered: no order statistics.
        select
            cast(null as {{ dbt.type_string() }}) as entity_id,
            cast(null as bigint) as order_count,
            cast(null as double) as order_value_mean_rep_ccy,
            cast(null as double) as order_value_stddev_rep_ccy
        where false
    ),

{% endfor %}
{% for grain in segmentation_grains() %}
    by_{{ grain }} as (
        select
            '{{ grain }}' as grain,
            {{ segment_entity_id(grain) }} as entity_id,
            {%- if grain_has_customer(grain) %}
                max(segment_customer_id) as segment_customer_id,
            {%- else %}
                cast(null as {{ dbt.type_string() }}) as segment_customer_id,
            {%- endif %}
            {%- if grain_has_product(grain) %}
                max(product_id) as product_id,
            {%- else %}
                cast(null as {{ dbt.type_string() }}) as product_id,
            {%- endif %}
            count(case when counts_in_value then 1 end) as order_line_count,
            count(has_requested_date) as requested_date_line_count,
            count(is_short_lead_time_request) as short_lead_time_line_count,
            {{ exact_sum('geography_revenue_rep_ccy') }} as geography_revenue_rep_ccy,
            {{ exact_sum('geography_revenue_rep_ccy * import_complexity') }}
            / nullif({{ exact_sum('geography_revenue_rep_ccy') }}, 0) as import_complexity_weighted,
            {{ exact_sum('geography_revenue_rep_ccy * regional_risk') }}
            / nullif({{ exact_sum('geography_revenue_rep_ccy') }}, 0) as regional_risk_weighted,
            {{ exact_sum('case when is_default_country then geography_revenue_rep_ccy else 0 end') }}
            / nullif({{ exact_sum('geography_revenue_rep_ccy') }}, 0) as default_country_revenue_share,
            count(distinct case when geography_revenue_rep_ccy > 0 then country_code end) as customer_country_count,
            {%- if grain in cluster_grains() %}
                count(distinct counted_ship_to_key) as ship_to_count,
                count(distinct counted_plant_id) as plant_count,
                min(case when counts_in_value then order_date end) as first_order_date,
                max(case when counts_in_value then order_date end) as last_order_date,
                count(is_delivered_line) as delivered_line_count,
                count(is_late_or_short_line) as late_or_short_line_count
            {%- else %}
                cast(null as bigint) as ship_to_count,
                cast(null as bigint) as plant_count,
                cast(null as date) as first_order_date,
                cast(null as date) as last_order_date,
                cast(null as bigint) as delivered_line_count,
                cast(null as bigint) as late_or_short_line_count
            {%- endif %}
        from line_facts
        group by {{ segment_entity_id(grain) }}
    ),

    with_orders_{{ grain }} as (
        select
            by_{{ grain }}.*,
            orders_{{ grain }}.order_count,
            orders_{{ grain }}.order_value_mean_rep_ccy,
            orders_{{ grain }}.order_value_stddev_rep_ccy
        from by_{{ grain }}
        left join orders_{{ grain }}
            on by_{{ grain }}.entity_id = orders_{{ grain }}.entity_id
    ),

{% endfor %}
unioned as (
    {%- for grain in segmentation_grains() %}
        select * from with_orders_{{ grain }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        unioned.grain,
        unioned.entity_id,
        unioned.order_line_count,
        unioned.requested_date_line_count,
        unioned.short_lead_time_line_count,
        cast(unioned.short_lead_time_line_count as double)
        / nullif(unioned.requested_date_line_count, 0) as short_lead_time_line_share,
        unioned.geography_revenue_rep_ccy,
        unioned.customer_country_count,
        unioned.default_country_revenue_share,
        unioned.import_complexity_weighted,
        unioned.regional_risk_weighted,
        {{ geography_risk_factor('unioned.import_complexity_weighted', 'unioned.regional_risk_weighted') }}
            as geography_risk_factor,
        case
            when unioned.segment_customer_id is not null then coalesce(customer_accounts.is_key_account, false)
        end as is_key_account,
        case
            when unioned.product_id is not null then coalesce(product_attributes.has_service_clause, false)
        end as has_service_clause,
        customer_accounts.global_account_id,
        customer_accounts.business_unit_count,
        customer_accounts.erp_customer_count,
        customer_accounts.sales_region,
        product_attributes.product_name,
        product_attributes.product_family,
        product_attributes.unit_of_measure,
        product_attributes.lead_time_days,
        unioned.order_count,
        unioned.order_value_mean_rep_ccy,
        unioned.order_value_stddev_rep_ccy,
        unioned.ship_to_count,
        unioned.plant_count,
        unioned.first_order_date,
        unioned.last_order_date,
        unioned.delivered_line_count,
        unioned.late_or_short_line_count
    from unioned
    left join customer_accounts
        on unioned.segment_customer_id = customer_accounts.segment_customer_id
    left join product_attributes
        on unioned.product_id = product_attributes.product_id
)

select * from final
