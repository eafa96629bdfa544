{#
    The demand the policy what-if replays (doc block policy_simulation): the
    last var('policy_simulation_periods') periods of the analysis window of
    every item's demand history (int_item_demand_periods, the consolidated
    demand per period the policy parameters are estimated from), numbered
    1..N from the oldest replayed period. Demand is as observed (sales in a
    stock-out period included as recorded). An item whose history starts
    inside the replay has rows from its first period only. The simulation
    itself runs in Python (supplyseg.policy.simulation, `supplyseg sandbox
    simulate`), reading this table.
#}
{%- set replay_periods = sql_number_var('policy_simulation_periods') -%}
with

demand_periods as (
    select * from {{ ref('int_item_demand_periods') }}
),

periods as (
    select * from {{ ref('int_analysis_periods') }}
),

window_end as (
    select max(window_period_number) as last_period_number
    from periods
),

final as (
    select
        demand_periods.product_id,
        demand_periods.plant_id,
        demand_periods.window_period_number,
        demand_periods.period_start_date,
        demand_periods.period_end_date,
        demand_periods.demand_quantity,
        demand_periods.is_stockout_period,
        demand_periods.window_period_number - window_end.last_period_number + {{ replay_periods }}
            as replay_period_number
    from demand_periods
    cross join window_end
    where demand_periods.window_period_number > window_end.last_period_number - {{ replay_periods }}
)

select * from final
