{#
    One row per segmentation customer (global account, or business-unit
    customer when var customer_grain says so): its segment of this run and
    the measures behind it. BI-facing: no names, no contacts.
#}
with

abc as (
    select * from {{ ref('int_segment_entities_abc_classified') }}
    where grain = 'customer'
),

accounts as (
    select
        segment_customer_id,
        max(global_account_id) as global_account_id,
        bool_or(is_key_account) as is_key_account,
        count(distinct business_unit_id) as business_unit_count,
        count(*) as erp_customer_count,
        min(sales_region) as sales_region
    from {{ ref('int_customers_reconciled') }}
    group by segment_customer_id
),

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
    where grain = 'customer'
),

final as (
    select
        abc.entity_id as customer_segment_id,
        accounts.global_account_id,
        coalesce(accounts.is_key_account, false) as is_key_account,
        accounts.business_unit_count,
        accounts.erp_customer_count,
        accounts.sales_region,
        abc.abc_class,
        abc.measure_used as abc_measure,
        abc.measure_fallback_reason as abc_measure_fallback_reason,
        abc.measure_value as abc_measure_value,
        abc.measure_rank as abc_rank,
        abc.cumulative_share as abc_cumulative_share,
        abc.is_non_positive_contributor,
        measures.revenue_rep_ccy,
        measures.gross_margin_rep_ccy,
        measures.volume_quantity,
        measures.order_line_count,
        {{ run_id() }} as run_id,
        cast('{{ run_started_at }}' as timestamp) as run_started_at
    from abc
    inner join measures
        on abc.entity_id = measures.entity_id
    left join accounts
        on abc.entity_id = accounts.segment_customer_id
)

select * from final
