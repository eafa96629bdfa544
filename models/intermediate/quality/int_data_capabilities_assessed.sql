{#
    Which capabilities of the product this load supports: for each one the
    share of its basis (usable order lines, or products sold) that has the
    data it needs, whether that reaches var('data_capability_min_coverage_share'),
    its status and in plain words why it is not available. A capability is
    computed only where a model of this project computes the measure from
    this load: models declare the capabilities they compute in meta
    computes_capabilities (macro capability_models). Otherwise its status is
    input_present_measure_not_built or input_missing. A thin extract (no
    costs, no deliveries, no forecasts, ...) builds; this model says what it
    could not compute.
#}
{%- set min_coverage = sql_number_var('data_capability_min_coverage_share') -%}
{%- set reporting_currency = sql_text_var('reporting_currency') -%}

with

usable_lines as (
    select * from {{ ref('int_order_lines_consolidated') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_validated') }}
    where not is_exact_duplicate
),

load_counts as (
    select * from {{ ref('int_load_rows_counted') }}
),

products as (
    select * from {{ ref('int_products_conformed') }}
),

customers as (
    select * from {{ ref('int_customers_reconciled') }}
),

ship_tos as (
    select * from {{ ref('int_ship_tos_reconciled') }}
),

deliveries as (
    select * from {{ ref('stg_wms__deliveries') }}
    where rejection_reason is null
),

forecasts as (
    select * from {{ ref('stg_planning__forecasts') }}
    where rejection_reason is null
),

inventory_snapshots as (
    select * from {{ ref('stg_wms__inventory_snapshots') }}
    where rejection_reason is null
),

delivered_lines as (
    select
        business_unit_id,
        order_id,
        order_line_number,
        count(delivered_date) > 0 as has_delivered_date,
        count(freight_cost_rep_ccy) + count(handling_cost_rep_ccy) > 0 as has_delivery_cost
    from deliveries
    group by business_unit_id, order_id, order_line_number
),

crm_customers as (
    select customer_key
    from customers
    where has_crm_account
),

wms_ship_tos as (
    select ship_to_key
    from ship_tos
    where is_in_wms
),

line_facts as (
    select
        count(*) as usable_line_count,
        count(usable_lines.cost_source) as lines_with_cost_count,
        count(usable_lines.requested_date) as lines_with_requested_date_count,
        count(crm_customers.customer_key) as lines_with_global_account_count,
        count(wms_ship_tos.ship_to_key) as lines_with_known_ship_to_count,
        count(case when not usable_lines.is_return then 1 end) as sales_line_count,
        count(case when not usable_lines.is_return and delivered_lines.has_delivered_date then 1 end)
            as sales_lines_delivered_count,
        count(case when not usable_lines.is_return and delivered_lines.has_delivery_cost then 1 end)
            as sales_lines_with_delivery_cost_count
    from usable_lines
    left join crm_customers
        on usable_lines.customer_key = crm_customers.customer_key
    left join wms_ship_tos
        on usable_lines.ship_to_key = wms_ship_tos.ship_to_key
    left join delivered_lines
        on usable_lines.business_unit_id = delivered_lines.business_unit_id
            and usable_lines.order_id = delivered_lines.order_id
            and usable_lines.order_line_number = delivered_lines.order_line_number
),

products_sold as (
    select distinct product_id
    from usable_lines
    where not is_return
),

forecast_products as (
    select distinct product_id
    from forecasts
),

stocked_products as (
    select distinct product_id
    from inventory_snapshots
),

product_facts as (
    select
        count(*) as products_sold_count,
        count(forecast_products.product_id) as products_with_forecast_count,
        count(stocked_products.product_id) as products_with_inventory_count
    from products_sold
    left join forecast_products
        on products_sold.product_id = forecast_products.product_id
    left join stocked_products
        on products_sold.product_id = stocked_products.product_id
),

currency_facts as (
    select
        count(*) as line_count,
        count(unit_cost_doc_ccy) as lines_with_unit_cost_count,
        count(
            case when document_currency_code <> {{ reporting_currency }} and order_date is not null then 1 end
        ) as foreign_line_count,
        count(
            case
                when document_currency_code <> {{ reporting_currency }} and order_date is not null
                    and fx_rate_to_reporting is not null
                    then 1
            end
        ) as foreign_lines_with_rate_count
    from order_lines
),

source_facts as (
    select
        (select count(products.standard_cost_rep_ccy) from products) as products_with_standard_cost_count,
        coalesce(sum(case when entity = 'fx_rates' then rows_used end), 0) as fx_rate_row_count,
        coalesce(sum(case when entity = 'crm_accounts' then rows_used end), 0) as crm_account_row_count,
        coalesce(sum(case when entity = 'ship_tos' then rows_used end), 0) as ship_to_row_count,
        coalesce(sum(case when entity = 'deliveries' then rows_used end), 0) as delivery_row_count,
        coalesce(sum(case when entity = 'forecasts' then rows_used end), 0) as forecast_row_count,
        coalesce(sum(case when entity = 'inventory_snapshots' then rows_used end), 0) as inventory_snapshot_row_count
    from load_counts
),

facts as (
    select
        line_facts.*,
        product_facts.*,
        source_facts.*,
        currency_facts.line_count,
        currency_facts.lines_with_unit_cost_count,
        currency_facts.foreign_line_count,
        currency_facts.foreign_lines_with_rate_count
    from line_facts
    cross join product_facts
    cross join currency_facts
    cross join source_facts
),

capabilities as (
    select
        'gross_margin' as capability,
        'Gross margin per line and margin-based ABC (seed abc_measures).' as used_for,
        'order_lines.unit_cost or products.standard_cost' as required_inputs,
        'usable order lines' as coverage_basis,
        lines_with_cost_count as covered_count,
        usable_line_count as coverage_base_count,
        case
            when lines_with_unit_cost_count = 0 and products_with_standard_cost_count = 0
                then 'order_lines has no unit_cost and products has no standard_cost:'
                    || ' margin-based ABC falls back to revenue'
        end as missing_input_reason,
        'of usable order lines have a unit cost or a standard cost; gross margin stays null for the rest'
        || ' and margin-based ABC falls back to revenue' as low_coverage_consequence
    from facts

    union all

    select
        'multi_currency' as capability,
        'Order lines in other currencies converted to the reporting currency ('
        || {{ reporting_currency }} || ').' as used_for,
        'fx_rates' as required_inputs,
        'order lines with an order date, not in ' || {{ reporting_currency }} as coverage_basis,
        foreign_lines_with_rate_count as covered_count,
        foreign_line_count as coverage_base_count,
        case
            when fx_rate_row_count = 0 and foreign_line_count = 0
                then 'fx_rates has no rows: only order lines in the reporting currency ' || {{ reporting_currency }}
                    || ' can be used (all order lines of this load are in ' || {{ reporting_currency }}
                    || ', so none was lost)'
            when fx_rate_row_count = 0
                then 'fx_rates has no rows: ' || cast(foreign_line_count as {{ dbt.type_string() }})
                    || ' order lines in other currencies cannot be converted and are quarantined as missing_fx_rate'
        end as missing_input_reason,
        'of order lines in other currencies have a rate for their month; the rest are quarantined as'
        || ' missing_fx_rate' as low_coverage_consequence
    from facts

    union all

    select
        'global_accounts' as capability,
        'Customers segmented as CRM global accounts across business units (var customer_grain).' as used_for,
        'crm_accounts' as required_inputs,
        'usable order lines' as coverage_basis,
        lines_with_global_account_count as covered_count,
        usable_line_count as coverage_base_count,
        case
            when crm_account_row_count = 0
                then 'crm_accounts has no rows: customers are segmented per business unit (BU:customer),'
                    || ' not as global accounts across business units'
        end as missing_input_reason,
        'of usable order lines belong to a customer linked to a CRM global account; the others are'
        || ' segmented as their own business-unit customer' as low_coverage_consequence
    from facts

    union all

    select
        'ship_to_hierarchy' as capability,
        'Ship-to addresses placed under their logistics parent and logistics unit.' as used_for,
        'ship_tos' as required_inputs,
        'usable order lines' as coverage_basis,
        lines_with_known_ship_to_count as covered_count,
        usable_line_count as coverage_base_count,
        case
            when ship_to_row_count = 0
                then 'ship_tos has no rows: order lines cannot be placed in a logistics unit (UNASSIGNED)'
                    || ' and ship-to level flows are not segmented'
        end as missing_input_reason,
        'of usable order lines have a ship-to known to the WMS; the others stay in logistics unit UNASSIGNED'
            as low_coverage_consequence
    from facts

    union all

    select
        'service_level' as capability,
        'On-time and in-full delivery of order lines (service level per segment).' as used_for,
        'deliveries' as required_inputs,
        'usable order lines that are not returns' as coverage_basis,
        sales_lines_delivered_count as covered_count,
        sales_line_count as coverage_base_count,
        case
            when delivery_row_count = 0
                then 'deliveries has no rows: service level (on-time, in-full delivery) cannot be measured'
        end as missing_input_reason,
        'of sales order lines have a delivery with a delivered date; service level is measured on these only'
            as low_coverage_consequence
    from facts

    union all

    select
        'cost_to_serve' as capability,
        'Freight and handling cost per order line and segment.' as used_for,
        'deliveries.freight_cost or deliveries.handling_cost' as required_inputs,
        'usable order lines that are not returns' as coverage_basis,
        sales_lines_with_delivery_cost_count as covered_count,
        sales_line_count as coverage_base_count,
        case
            when delivery_row_count = 0
                then 'deliveries has no rows: freight and handling cost are unknown, so cost to serve'
                    || ' cannot be computed'
            when sales_lines_with_delivery_cost_count = 0
                then 'deliveries carry no freight_cost or handling_cost: cost to serve cannot be computed'
        end as missing_input_reason,
        'of sales order lines have a freight or handling cost; cost to serve would be understated'
            as low_coverage_consequence
    from facts

    union all

    select
        'forecast_accuracy' as capability,
        'Forecast error per product against actual demand.' as used_for,
        'forecasts' as required_inputs,
        'products sold' as coverage_basis,
        products_with_forecast_count as covered_count,
        products_sold_count as coverage_base_count,
        case
            when forecast_row_count = 0
                then 'forecasts has no rows: forecast accuracy cannot be measured'
        end as missing_input_reason,
        'of products sold have a forecast; forecast accuracy is measured on these only'
            as low_coverage_consequence
    from facts

    union all

    select
        'inventory' as capability,
        'Stock on hand and cover per product and segment.' as used_for,
        'inventory_snapshots' as required_inputs,
        'products sold' as coverage_basis,
        products_with_inventory_count as covered_count,
        products_sold_count as coverage_base_count,
        case
            when inventory_snapshot_row_count = 0
                then 'inventory_snapshots has no rows: stock on hand and cover cannot be reported'
        end as missing_input_reason,
        'of products sold have an inventory snapshot; stock is reported for these only'
            as low_coverage_consequence
    from facts

    union all

    select
        'requested_dates' as capability,
        'Requested lead time of order lines (short-lead-time requests in the service sensitivity score).'
            as used_for,
        'order_lines.requested_date' as required_inputs,
        'usable order lines' as coverage_basis,
        lines_with_requested_date_count as covered_count,
        usable_line_count as coverage_base_count,
        case
            when lines_with_requested_date_count = 0
                then 'order_lines has no requested_date: short-lead-time requests (service sensitivity)'
                    || ' cannot be measured'
        end as missing_input_reason,
        'of usable order lines have a requested date; service sensitivity is measured on these only'
            as low_coverage_consequence
    from facts

    union all

    select
        'lead_time_variability' as capability,
        'Lead time mean and variability per item from deliveries (safety stock, fct_item_policy_parameters).'
            as used_for,
        'deliveries' as required_inputs,
        'usable order lines that are not returns' as coverage_basis,
        sales_lines_delivered_count as covered_count,
        sales_line_count as coverage_base_count,
        case
            when delivery_row_count = 0
                then 'deliveries has no rows: lead times fall back to products.lead_time_days with no variability'
                    || ' (lead_time_source product_lead_time_days on every item)'
        end as missing_input_reason,
        'of sales order lines have a delivered date; items with too few fall back to products.lead_time_days'
            as low_coverage_consequence
    from facts

    union all

    select
        'stockout_aware_demand' as capability,
        'Demand statistics that flag stock-out periods (zero on hand) and leave out or correct their sales.'
            as used_for,
        'inventory_snapshots' as required_inputs,
        'products sold' as coverage_basis,
        products_with_inventory_count as covered_count,
        products_sold_count as coverage_base_count,
        case
            when inventory_snapshot_row_count = 0
                then 'inventory_snapshots has no rows: stock-outs cannot be seen, the stock-out rule is off and'
                    || ' demand statistics use every period as observed (all_periods_no_inventory)'
        end as missing_input_reason,
        'of products sold have an inventory snapshot; stock-outs of the others cannot be seen'
            as low_coverage_consequence
    from facts

    union all

    select
        'working_capital' as capability,
        'Inventory value implied by the policy against the latest snapshot: excess and shortfall per plant'
        || ' and segment.' as used_for,
        'inventory_snapshots' as required_inputs,
        'products sold' as coverage_basis,
        products_with_inventory_count as covered_count,
        products_sold_count as coverage_base_count,
        case
            when inventory_snapshot_row_count = 0
                then 'inventory_snapshots has no rows: the policy stock value is reported, but on-hand stock,'
                    || ' excess and shortfall cannot be'
        end as missing_input_reason,
        'of products sold have an inventory snapshot; the others count as 0 on hand (all shortfall)'
            as low_coverage_consequence
    from facts

    union all

    select
        'inventory_valuation_at_cost' as capability,
        'Policy stock, EOQ holding cost and working capital valued at unit cost.' as used_for,
        'order_lines.unit_cost or products.standard_cost' as required_inputs,
        'usable order lines' as coverage_basis,
        lines_with_cost_count as covered_count,
        usable_line_count as coverage_base_count,
        case
            when lines_with_unit_cost_count = 0 and products_with_standard_cost_count = 0
                then 'order_lines has no unit_cost and products has no standard_cost: items are valued at their'
                    || ' net unit price from revenue (unit_value_source unit_price_from_revenue)'
        end as missing_input_reason,
        'of usable order lines have a unit cost or a standard cost; items without are valued at their net unit'
        || ' price from revenue' as low_coverage_consequence
    from facts

    union all

    select
        'open_order_delivery_status' as capability,
        'Open order lines known by what was delivered (pick and transport priority of open lines).' as used_for,
        'deliveries' as required_inputs,
        'usable order lines that are not returns' as coverage_basis,
        sales_lines_delivered_count as covered_count,
        sales_line_count as coverage_base_count,
        case
            when delivery_row_count = 0
                then 'deliveries has no rows: a line counts as open when its requested date is on or after the'
                    || ' reference date (openness_basis requested_date), whatever was shipped'
        end as missing_input_reason,
        'of sales order lines have a delivered date; the others count as open while within the horizon'
            as low_coverage_consequence
    from facts

    union all

    select
        'policy_experiments' as capability,
        'A/B tests of policy changes: difference in differences of service KPIs (fct_policy_experiment_results).'
            as used_for,
        'deliveries' as required_inputs,
        'usable order lines that are not returns' as coverage_basis,
        sales_lines_delivered_count as covered_count,
        sales_line_count as coverage_base_count,
        case
            when delivery_row_count = 0
                then 'deliveries has no rows: on-time and fill KPIs are unknown, so policy experiments cannot be'
                    || ' evaluated (every experiment is inconclusive)'
        end as missing_input_reason,
        'of sales order lines have a delivered date; experiments compare KPIs of these only'
            as low_coverage_consequence
    from facts
),

shared as (
    select
        *,
        cast(covered_count as double) / nullif(coverage_base_count, 0) as coverage_share
    from capabilities
),

computing_models as (
    {#- Which model computes each capability: models declare it in meta computes_capabilities. #}
    {%- for capability, models in capability_models().items() | sort %}
        select
            '{{ capability }}' as capability,
            '{{ models | join(", ") }}' as computed_by
        union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as capability,
        cast(null as {{ dbt.type_string() }}) as computed_by
    where false
),

statuses as (
    select
        shared.*,
        computing_models.computed_by,
        coalesce(
            shared.coverage_base_count > 0 and shared.coverage_share < {{ min_coverage }}, false
        ) as is_coverage_low,
        case
            when shared.missing_input_reason is not null then 'input_missing'
            when computing_models.computed_by is null then 'input_present_measure_not_built'
            when shared.coverage_base_count > 0 and shared.coverage_share < {{ min_coverage }}
                then 'computed_low_coverage'
            else 'computed'
        end as capability_status
    from shared
    left join computing_models
        on shared.capability = computing_models.capability
),

final as (
    select
        capability,
        used_for,
        required_inputs,
        coverage_basis,
        covered_count,
        coverage_base_count,
        coverage_share,
        capability_status,
        computed_by,
        cast({{ min_coverage }} as double) as min_coverage_share,
        capability_status = 'computed' as is_available,
        case
            when capability_status = 'input_missing' then missing_input_reason
            when capability_status = 'input_present_measure_not_built'
                then 'input present, measure not built: ' || required_inputs || ' covers '
                    || cast(covered_count as {{ dbt.type_string() }}) || ' of '
                    || cast(coverage_base_count as {{ dbt.type_string() }}) || ' ' || coverage_basis
                    || ', but no model of this project computes ' || replace(capability, '_', ' ')
                    || ' yet'
            when capability_status = 'computed_low_coverage'
                then 'only ' || cast(round(100 * coverage_share, 1) as {{ dbt.type_string() }})
                    || '% (' || cast(covered_count as {{ dbt.type_string() }})
                    || ' of ' || cast(coverage_base_count as {{ dbt.type_string() }}) || ') '
                    || low_coverage_consequence
                    || ' (at least ' || cast(round(100 * {{ min_coverage }}, 1) as {{ dbt.type_string() }})
                    || '% needed)'
        end as unavailable_reason
    from statuses
)

select * from final
