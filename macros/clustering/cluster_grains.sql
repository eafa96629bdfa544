{#
    The grains clustered by behaviour (var cluster_grains), in the fixed order
    customer, product, customer_product. Every one must also be segmented
    (var segmentation_grains): the customer grain uses the spine's entity ids.
#}
{% macro cluster_grains() -%}
    {%- set chosen = validated_var('cluster_grains') -%}
    {%- set segmented = segmentation_grains() -%}
    {%- set enabled = [] -%}
    {%- for grain in ['customer', 'product', 'customer_product'] if grain in chosen -%}
        {%- if grain not in segmented -%}
            {%- do exceptions.raise_compiler_error(
                "var cluster_grains holds '" ~ grain ~ "', which is not in var segmentation_grains ("
                ~ segmented | join(', ') ~ "): a grain can only be clustered when it is segmented; add it to"
                ~ " segmentation_grains or remove it from cluster_grains") -%}
        {%- endif -%}
        {%- do enabled.append(grain) -%}
    {%- endfor -%}
    {{ return(enabled) }}
{%- endmacro %}


{#
    The feature columns of the cluster feature models, in a fixed order (the
    contract with the Python models, /work interface of issue 15).
#}
{% macro cluster_feature_names() -%}
    {{ return([
        'order_frequency', 'mean_order_value_rep_ccy', 'order_value_cv', 'adi', 'cv_squared',
        'revenue_rep_ccy', 'gross_margin_rep_ccy', 'revenue_decayed_rep_ccy', 'gross_margin_decayed_rep_ccy',
        'margin_pct', 'short_lead_time_share', 'return_rate', 'late_or_short_delivery_share',
        'recency_days', 'tenure_days', 'ship_to_count', 'plant_count'
    ]) }}
{%- endmacro %}


{#
    cluster_features(grain): one row per entity of the grain with the
    clustering features (doc block cluster_features), built from the
    segmentation intermediates; zero rows when the grain is not clustered.
#}
{% macro cluster_features(grain) -%}
    {%- set clustered = grain in cluster_grains() -%}
with

measures as (
    select * from {{ ref('int_segment_entity_measures') }}
),

service_profiles as (
    select * from {{ ref('int_segment_entity_service_profiles') }}
),

variability as (
    select * from {{ ref('int_segment_entities_variability_classified') }}
),

reference_date as (
    select * from {{ ref('int_reference_date') }}
),

entities as (
    select
        measures.grain,
        measures.entity_id,
        measures.order_line_count,
        measures.revenue_rep_ccy,
        measures.gross_margin_rep_ccy,
        measures.gross_margin_decayed_rep_ccy,
        measures.returned_revenue_rep_ccy,
        service_profiles.order_count,
        service_profiles.order_value_mean_rep_ccy,
        service_profiles.order_value_stddev_rep_ccy,
        service_profiles.short_lead_time_line_share,
        service_profiles.delivered_line_count,
        service_profiles.late_or_short_line_count,
        service_profiles.ship_to_count,
        service_profiles.plant_count,
        service_profiles.first_order_date,
        service_profiles.last_order_date,
        variability.average_demand_interval,
        variability.cv_squared_nonzero,
        {%- if validated_var('decay_half_life_periods') is none %}
            cast(null as double) as revenue_decayed_rep_ccy,
        {%- else %}
            measures.revenue_decayed_rep_ccy,
        {%- endif %}
        measures.last_period_number - measures.first_period_number + 1 as active_period_count,
        reference_date.reference_date
    from measures
    inner join service_profiles
        on measures.grain = service_profiles.grain
            and measures.entity_id = service_profiles.entity_id
    left join variability
        on measures.grain = variability.grain
            and measures.entity_id = variability.entity_id
    cross join reference_date
    where measures.grain = '{{ grain }}'
        {%- if not clustered %}
            and false
        {%- endif %}
),

final as (
    select
        grain,
        entity_id,
        coalesce(order_line_count, 0) <= {{ sql_number_var('cluster_dormant_max_order_lines') }} as is_dormant,
        cast(coalesce(order_line_count, 0) as bigint) as activity_order_line_count,
        cast(order_count as double) / nullif(active_period_count, 0) as order_frequency,
        cast(order_value_mean_rep_ccy as double) as mean_order_value_rep_ccy,
        order_value_stddev_rep_ccy / nullif(order_value_mean_rep_ccy, 0) as order_value_cv,
        cast(average_demand_interval as double) as adi,
        cast(cv_squared_nonzero as double) as cv_squared,
        cast(revenue_rep_ccy as double) as revenue_rep_ccy,
        cast(gross_margin_rep_ccy as double) as gross_margin_rep_ccy,
        cast(revenue_decayed_rep_ccy as double) as revenue_decayed_rep_ccy,
        {%- if validated_var('decay_half_life_periods') is none %}
            cast(null as double) as gross_margin_decayed_rep_ccy,
        {%- else %}
            cast(gross_margin_decayed_rep_ccy as double) as gross_margin_decayed_rep_ccy,
        {%- endif %}
        gross_margin_rep_ccy / nullif(revenue_rep_ccy, 0) as margin_pct,
        cast(short_lead_time_line_share as double) as short_lead_time_share,
        returned_revenue_rep_ccy / nullif(revenue_rep_ccy + returned_revenue_rep_ccy, 0) as return_rate,
        cast(late_or_short_line_count as double) / nullif(delivered_line_count, 0) as late_or_short_delivery_share,
        cast({{ dbt.datediff('last_order_date', 'reference_date', 'day') }} as double) as recency_days,
        cast({{ dbt.datediff('first_order_date', 'reference_date', 'day') }} as double) as tenure_days,
        cast(ship_to_count as double) as ship_to_count,
        cast(plant_count as double) as plant_count
    from entities
)

select * from final
{%- endmacro %}
