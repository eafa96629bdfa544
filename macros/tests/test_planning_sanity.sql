{#
    The planning sanity checks (doc block planning_sanity_checks): generic
    tests whose severity var policy_sanity_severity sets (warn or error).
    Each returns one row per offending record, with the value and the limit
    it broke, so the console and the stored failures say what to fix.
#}
{% macro planning_sanity_severity() -%}
    {{ return(validated_var('policy_sanity_severity')) }}
{%- endmacro %}


{#
    quantity_within_periods_of_demand: the column (an MOQ, a safety stock) is
    below zero, or above N periods of the row's mean demand per period
    (demand_column); periods_limit names N: moq = var policy_sanity_max_lot_size_periods,
    safety_stock = var policy_sanity_max_safety_stock_periods.
#}
{% test quantity_within_periods_of_demand(model, column_name, demand_column, periods_limit) %}
    {{ config(severity=planning_sanity_severity()) }}
    {%- set limits = {
        'moq': sql_number_var('policy_sanity_max_lot_size_periods'),
        'safety_stock': sql_number_var('policy_sanity_max_safety_stock_periods'),
    } -%}
    {%- if periods_limit not in limits -%}
        {%- do exceptions.raise_compiler_error(
            "quantity_within_periods_of_demand on " ~ model ~ "." ~ column_name ~ ": periods_limit must be one of "
            ~ (limits.keys() | list | join(', ')) ~ ", got " ~ periods_limit) -%}
    {%- endif -%}
    {%- set max_periods = limits[periods_limit] %}
    select
        *,
        {{ max_periods }} * {{ demand_column }} as sanity_limit_quantity
    from {{ model }}
    where
        {{ column_name }} < 0
        or {{ column_name }} > {{ max_periods }} * coalesce({{ demand_column }}, 0)
{% endtest %}


{#
    atp_promise_covers_lead_time: a make-to-order or assemble-to-order row
    whose ATP promise (column) is shorter than its lead time (lead_time_column).
#}
{% test atp_promise_covers_lead_time(model, column_name, lead_time_column, stocking_strategy_column) %}
    {{ config(severity=planning_sanity_severity()) }}
    select *
    from {{ model }}
    where
        {{ stocking_strategy_column }} in ('make_to_order', 'assemble_to_order')
        and {{ column_name }} < {{ lead_time_column }}
{% endtest %}


{#
    review_period_fits_planning_calendar: the review period (days) is not a
    positive whole number of planning buckets of var planning_bucket_days.
#}
{% test review_period_fits_planning_calendar(model, column_name) %}
    {{ config(severity=planning_sanity_severity()) }}
    {%- set bucket_days = sql_number_var('planning_bucket_days') %}
    select
        *,
        {{ bucket_days }} as planning_bucket_days
    from {{ model }}
    where
        {{ column_name }} is null
        or {{ column_name }} <= 0
        or {{ column_name }} % {{ bucket_days }} <> 0
{% endtest %}


{#
    policy_count_within: a record (a segment combination, an item) whose count
    of matching policies (column) lies outside [min_count, max_count]:
    min_count 1 finds a final segment with no policy, max_count 1 an item
    with two policies.
#}
{% test policy_count_within(model, column_name, min_count=none, max_count=none) %}
    {{ config(severity=planning_sanity_severity()) }}
    select *
    from {{ model }}
    where
        {{ column_name }} is null
        {%- if min_count is not none %}
            or {{ column_name }} < {{ min_count | int }}
        {%- endif %}
        {%- if max_count is not none %}
            or {{ column_name }} > {{ max_count | int }}
        {%- endif %}
{% endtest %}


{#
    lot_size_within_periods_of_demand: the lot (column) is below zero, or
    above N periods of the row's mean demand (N = var
    policy_sanity_max_lot_size_periods) once that limit is rounded up to
    whole packs and is at least one pack: a lot that only the pack size
    forces above N periods passes (is_lot_size_pack_forced on the item), a
    lot that the EOQ or the policy's MOQ rule drives above it fails.
#}
{% test lot_size_within_periods_of_demand(model, column_name, demand_column, pack_size_column) %}
    {{ config(severity=planning_sanity_severity()) }}
    {%- set max_periods = sql_number_var('policy_sanity_max_lot_size_periods') %}
    with

    limited as (
        select
            *,
            greatest(
                ceil(round({{ max_periods }} * coalesce({{ demand_column }}, 0) / {{ pack_size_column }}, 9))
                * {{ pack_size_column }},
                {{ pack_size_column }}
            ) as sanity_limit_quantity
        from {{ model }}
    )

    select *
    from limited
    where
        {{ column_name }} < 0
        or {{ column_name }} > sanity_limit_quantity * (1 + 1e-9)
{% endtest %}
