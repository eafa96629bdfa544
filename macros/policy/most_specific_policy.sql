{% macro most_specific_policy(key_columns) -%}
{#- The one policy-matching rule (doc block policy_matching): read from the CTEs `combinations` and
    `policies` of the calling model; one row per combination of key_columns with its most specific policy. -#}
{%- set keys = key_columns | join(', ') -%}
select
    {{ keys }},
    policy_id,
    match_specificity,
    count(*) over (
        partition by {{ keys }}, match_specificity
    ) as matched_policy_count,
    case match_specificity
        when 3 then 'segment_and_tier'
        when 2 then 'segment'
        when 1 then 'tier'
        when 0 then 'default'
    end as match_level
from (
    select
        {%- for column in key_columns %}
        combinations.{{ column }},
        {%- endfor %}
        policies.policy_id,
        2 * cast(policies.product_segment_code <> '*' as integer)
        + cast(policies.customer_service_tier <> '*' as integer) as match_specificity
    from combinations
    inner join policies
        on (
            combinations.product_segment_code = policies.product_segment_code
            or policies.product_segment_code = '*'
        )
        and (
            cast(combinations.customer_service_tier as {{ dbt.type_string() }}) = policies.customer_service_tier
            or policies.customer_service_tier = '*'
        )
) as candidates
qualify row_number() over (
        partition by {{ keys }}
        order by match_specificity desc, policy_id asc
    ) = 1
{%- endmacro %}
