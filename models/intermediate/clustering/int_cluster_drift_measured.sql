{#
    Population stability index of every clustering feature and of the
    cluster distribution of this run against the previous published run
    (doc block cluster_drift): this run's non-dormant entities are put into
    the previous run's bins (int_cluster_feature_bins_previous), shares are
    floored at var
    cluster_psi_min_share, PSI = sum over bins of (actual - expected) x
    ln(actual / expected); retrain_recommended when PSI exceeds var
    cluster_psi_retrain_threshold. A feature used now but not binned in the
    previous run (or on a first run) has no row. The cluster distribution
    compares the shares of the cluster ids in this run's bins
    (int_cluster_feature_bins) with the previous run's.
#}
{%- set features = cluster_feature_names() -%}
{%- set share_floor = sql_number_var('cluster_psi_min_share') -%}

with

previous_bins as (
    select * from {{ ref('int_cluster_feature_bins_previous') }}
),

current_bins as (
    select * from {{ ref('int_cluster_feature_bins') }}
),

customer_features as (
    select * from {{ ref('int_customer_cluster_features') }}
),

product_features as (
    select * from {{ ref('int_product_cluster_features') }}
),

customer_product_features as (
    select * from {{ ref('int_customer_product_cluster_features') }}
),

all_features as (
    select * from customer_features
    union all
    select * from product_features
    union all
    select * from customer_product_features
),

long_values as (
    {%- for feature in features %}
        select
            grain,
            entity_id,
            '{{ feature }}' as feature_name,
            {{ comparable(feature) }} as feature_value
        from all_features
        where not is_dormant and {{ feature }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

used_features as (
    -- Features binned in this run (used features) and in the previous one.
    select distinct
        current_bins.grain,
        current_bins.feature_name
    from current_bins
    inner join previous_bins
        on current_bins.grain = previous_bins.grain
            and current_bins.feature_name = previous_bins.feature_name
            and previous_bins.distribution_kind = 'feature'
    where current_bins.distribution_kind = 'feature'
),

current_in_previous_bins as (
    select
        previous_bins.grain,
        previous_bins.feature_name,
        previous_bins.bin_number,
        previous_bins.entity_share as expected_share,
        previous_bins.previous_run_id,
        count(long_values.entity_id) as entity_count
    from previous_bins
    inner join used_features
        on previous_bins.grain = used_features.grain
            and previous_bins.feature_name = used_features.feature_name
    left join long_values
        on previous_bins.grain = long_values.grain
            and previous_bins.feature_name = long_values.feature_name
            and (previous_bins.lower_edge is null or previous_bins.lower_edge < long_values.feature_value)
            and (previous_bins.upper_edge is null or previous_bins.upper_edge >= long_values.feature_value)
    where previous_bins.distribution_kind = 'feature'
    group by
        previous_bins.grain, previous_bins.feature_name, previous_bins.bin_number,
        previous_bins.entity_share, previous_bins.previous_run_id
),

feature_shares as (
    select
        grain,
        'feature' as distribution_kind,
        feature_name,
        bin_number,
        previous_run_id,
        expected_share,
        cast(entity_count as double) / nullif(sum(entity_count) over (partition by grain, feature_name), 0)
            as actual_share
    from current_in_previous_bins
),

current_cluster_bins as (
    select *
    from current_bins
    where distribution_kind = 'cluster'
),

previous_cluster_bins as (
    select *
    from previous_bins
    where distribution_kind = 'cluster'
),

cluster_shares as (
    select
        'cluster' as distribution_kind,
        'cluster_id' as feature_name,
        coalesce(current_bins.grain, previous_bins.grain) as grain,
        coalesce(current_bins.bin_number, previous_bins.bin_number) as bin_number,
        max(previous_bins.previous_run_id) over (
            partition by coalesce(current_bins.grain, previous_bins.grain)
        ) as previous_run_id,
        coalesce(previous_bins.entity_share, 0) as expected_share,
        coalesce(current_bins.entity_share, 0) as actual_share
    from current_cluster_bins as current_bins
    full outer join previous_cluster_bins as previous_bins
        on current_bins.grain = previous_bins.grain
            and current_bins.bin_number = previous_bins.bin_number
),

cluster_shares_compared as (
    -- Only grains the previous run published.
    select
        grain,
        distribution_kind,
        feature_name,
        bin_number,
        previous_run_id,
        expected_share,
        actual_share
    from cluster_shares
    where previous_run_id is not null
),

all_shares as (
    select * from feature_shares
    union all
    select * from cluster_shares_compared
),

terms as (
    select
        grain,
        distribution_kind,
        feature_name,
        previous_run_id,
        bin_number,
        (greatest(actual_share, {{ share_floor }}) - greatest(expected_share, {{ share_floor }}))
        * ln(greatest(actual_share, {{ share_floor }}) / greatest(expected_share, {{ share_floor }})) as psi_term
    from all_shares
),

final as (
    select
        grain,
        distribution_kind,
        feature_name,
        max(previous_run_id) as previous_run_id,
        count(*) as bin_count,
        {{ ordered_sum('psi_term', 'bin_number') }} as population_stability_index,
        {{ ordered_sum('psi_term', 'bin_number') }} > {{ sql_number_var('cluster_psi_retrain_threshold') }}
            as is_above_threshold
    from terms
    group by grain, distribution_kind, feature_name
)

select * from final
