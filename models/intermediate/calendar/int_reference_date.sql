{#
    The "as of" date of this run, one row: var reference_date when it is an ISO
    date, else (reference_date: auto, the default) the last order date of the
    usable order lines (no rejection reason, exact duplicates left out). Every
    model and test that needs the reference date reads it here. The rule is the
    doc block reference_date.
#}
{%- set reference_date_setting = validated_var('reference_date') -%}

with

order_lines as (
    select * from {{ ref('int_order_lines_usable') }}
),

data_range as (
    select
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as usable_order_line_count
    from order_lines
),

final as (
    select
        {%- if reference_date_setting == 'auto' %}
            last_order_date as reference_date,
            'auto: last order date of the usable order lines' as reference_date_source,
        {%- else %}
            cast({{ sql_string_literal(reference_date_setting) }} as date) as reference_date,
            'var reference_date' as reference_date_source,
        {%- endif %}
        {{ sql_text_var('reference_date') }} as reference_date_setting,
        first_order_date,
        last_order_date,
        usable_order_line_count
    from data_range
)

select * from final
