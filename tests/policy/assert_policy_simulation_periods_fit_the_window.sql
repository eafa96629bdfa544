-- Var policy_simulation_periods must not exceed the periods of the analysis window: the replay of the policy
-- what-if (int_item_demand_replayed) would then start before the window and hold fewer periods than asked.
-- One row when it does, naming the var and the periods available.
{%- set replay_periods = sql_number_var('policy_simulation_periods') %}
with

replayed as (
    select * from {{ ref('int_item_demand_replayed') }}
),

span as (
    select min(replay_period_number) as first_replay_period_number
    from replayed
)

select
    'policy_simulation_periods' as var_name,
    {{ replay_periods }} as requested_periods,
    {{ replay_periods }} - first_replay_period_number + 1 as available_periods
from span
where first_replay_period_number > 1
