{#
    One row per business-unit customer (ERP sold-to) with its global account
    from CRM and its sales region resolved between ERP and CRM by seed
    hierarchy_precedence. A customer without a CRM record (or without any CRM
    extract) is its own global account. segment_customer_id is the entity
    customer-level segments are computed for, by var customer_grain.
#}
{%- set customer_grain = validated_var('customer_grain') -%}
{%- if customer_grain not in ['global_account', 'business_unit_customer'] -%}
    {%- do exceptions.raise_compiler_error(
        "var customer_grain is '" ~ customer_grain
        ~ "'; set it to global_account or business_unit_customer (dbt_project.yml or --vars).") -%}
{%- endif -%}
{%- set segment_customer_column = (
    'customer_key' if customer_grain == 'business_unit_customer' else 'global_account_id'
) %}

with

erp_customers as (
    select
        business_unit_id,
        customer_id,
        customer_key,
        customer_name,
        country_code,
        sales_region,
        has_price_clause
    from {{ ref('stg_erp__customers') }}
    where rejection_reason is null
    qualify row_number() over (partition by customer_key order by source_row_number) = 1
),

crm_accounts as (
    select
        customer_key,
        global_account_id,
        global_account_name,
        is_key_account,
        sales_region
    from {{ ref('stg_crm__accounts') }}
    where rejection_reason is null
    qualify row_number() over (partition by customer_key order by source_row_number) = 1
),

sales_region_precedence as (
    select
        source_system,
        precedence_rank
    from {{ ref('hierarchy_precedence') }}
    where attribute = 'sales_region'
),

sales_region_candidates as (
    select
        customer_key,
        'erp' as source_system,
        sales_region
    from erp_customers
    union all
    select
        customer_key,
        'crm' as source_system,
        sales_region
    from crm_accounts
),

sales_regions_resolved as (
    select
        sales_region_candidates.customer_key,
        sales_region_candidates.sales_region,
        sales_region_candidates.source_system as sales_region_source
    from sales_region_candidates
    inner join sales_region_precedence
        on sales_region_candidates.source_system = sales_region_precedence.source_system
    where sales_region_candidates.sales_region is not null
    qualify
        row_number() over (
            partition by sales_region_candidates.customer_key
            order by
                sales_region_precedence.precedence_rank,
                sales_region_candidates.source_system,
                sales_region_candidates.sales_region
        ) = 1
),

customers_joined as (
    select
        erp_customers.business_unit_id,
        erp_customers.customer_id,
        erp_customers.customer_key,
        erp_customers.customer_name,
        erp_customers.country_code,
        erp_customers.has_price_clause,
        erp_customers.sales_region as erp_sales_region,
        crm_accounts.sales_region as crm_sales_region,
        sales_regions_resolved.sales_region,
        sales_regions_resolved.sales_region_source,
        coalesce(crm_accounts.global_account_id, erp_customers.customer_key) as global_account_id,
        coalesce(crm_accounts.global_account_name, erp_customers.customer_name) as global_account_name,
        coalesce(crm_accounts.is_key_account, false) as is_key_account,
        crm_accounts.customer_key is not null as has_crm_account
    from erp_customers
    left join crm_accounts
        on erp_customers.customer_key = crm_accounts.customer_key
    left join sales_regions_resolved
        on erp_customers.customer_key = sales_regions_resolved.customer_key
),

final as (
    select
        business_unit_id,
        customer_id,
        customer_key,
        customer_name,
        country_code,
        global_account_id,
        global_account_name,
        is_key_account,
        has_crm_account,
        erp_sales_region,
        crm_sales_region,
        sales_region,
        sales_region_source,
        has_price_clause,
        {{ segment_customer_column }} as segment_customer_id
    from customers_joined
)

select * from final
