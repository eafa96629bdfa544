{#
    The inventory formulas of the item parameters, one place (doc blocks
    policy_safety_stock and policy_lot_size). Arguments are SQL expressions.

    normal_quantile(p): z, the standard normal quantile of probability p
      (0 < p < 1), by Acklam's rational approximation (relative error below
      1.2e-9; DuckDB has no inverse normal CDF).
    normal_safety_stock(z, periods, demand_std, demand_mean, lead_time_std):
      z * sqrt(periods * sigma_d^2 + d^2 * sigma_L^2), all in demand periods.
    economic_order_quantity(order_cost, annual_demand, annual_holding_cost):
      sqrt(2 * K * lambda / h); null when h is not positive.
    lot_size(eoq, moq, pack_size): max(EOQ, MOQ) rounded up to whole packs.
#}
{% macro normal_quantile(p) -%}
    {%- set a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716, 2.506628277459239] -%}
    {%- set b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] -%}
    {%- set c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] -%}
    {%- set d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] -%}
    {%- set q_low = 'sqrt(-2 * ln(' ~ p ~ '))' -%}
    {%- set q_high = 'sqrt(-2 * ln(1 - (' ~ p ~ ')))' -%}
    {%- set r = 'power((' ~ p ~ ') - 0.5, 2)' -%}
    case
        when ({{ p }}) <= 0 or ({{ p }}) >= 1 then null
        when ({{ p }}) < 0.02425 then
            ((((({{ c[0] }} * {{ q_low }} + {{ c[1] }}) * {{ q_low }} + {{ c[2] }}) * {{ q_low }} + {{ c[3] }}) * {{ q_low }} + {{ c[4] }}) * {{ q_low }} + {{ c[5] }})
            / (((({{ d[0] }} * {{ q_low }} + {{ d[1] }}) * {{ q_low }} + {{ d[2] }}) * {{ q_low }} + {{ d[3] }}) * {{ q_low }} + 1)
        when ({{ p }}) > 1 - 0.02425 then
            -((((({{ c[0] }} * {{ q_high }} + {{ c[1] }}) * {{ q_high }} + {{ c[2] }}) * {{ q_high }} + {{ c[3] }}) * {{ q_high }} + {{ c[4] }}) * {{ q_high }} + {{ c[5] }})
            / (((({{ d[0] }} * {{ q_high }} + {{ d[1] }}) * {{ q_high }} + {{ d[2] }}) * {{ q_high }} + {{ d[3] }}) * {{ q_high }} + 1)
        else
            ((((({{ a[0] }} * {{ r }} + {{ a[1] }}) * {{ r }} + {{ a[2] }}) * {{ r }} + {{ a[3] }}) * {{ r }} + {{ a[4] }}) * {{ r }} + {{ a[5] }}) * (({{ p }}) - 0.5)
            / ((((({{ b[0] }} * {{ r }} + {{ b[1] }}) * {{ r }} + {{ b[2] }}) * {{ r }} + {{ b[3] }}) * {{ r }} + {{ b[4] }}) * {{ r }} + 1)
    end
{%- endmacro %}


{% macro normal_safety_stock(z, periods, demand_std, demand_mean, lead_time_std) -%}
    (({{ z }}) * sqrt(({{ periods }}) * power({{ demand_std }}, 2) + power({{ demand_mean }}, 2) * power({{ lead_time_std }}, 2)))
{%- endmacro %}


{% macro economic_order_quantity(order_cost, annual_demand, annual_holding_cost) -%}
    case
        when ({{ annual_holding_cost }}) > 0
            then sqrt(2 * ({{ order_cost }}) * ({{ annual_demand }}) / ({{ annual_holding_cost }}))
    end
{%- endmacro %}


{% macro lot_size(eoq, moq, pack_size) -%}
    (ceil(round(greatest(coalesce({{ eoq }}, 0), coalesce({{ moq }}, 0)) / ({{ pack_size }}), 9)) * ({{ pack_size }}))
{%- endmacro %}

{% macro policy_stock(safety_stock_method, safety_stock_quantity, lot_size_quantity, unit_value=none) -%}
case
    when {{ safety_stock_method }} = 'no_stock' then 0
    else ({{ safety_stock_quantity }} + {{ lot_size_quantity }} / 2){% if unit_value is not none %} * {{ unit_value }}{% endif %}
end
{%- endmacro %}
