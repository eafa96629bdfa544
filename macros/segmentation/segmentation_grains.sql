{#
    The grains the project can segment at, and how a consolidated order line
    maps to the entity of each grain. segmentation_grains() returns the ones
    switched on by var('segmentation_grains'), in a fixed order, and stops the
    build on an unknown name.
#}
{% macro all_segmentation_grains() -%}
    {{ return({
        'customer': "segment_customer_id",
        'product': "product_id",
        'channel': "channel",
        'customer_product': "segment_customer_id || ' | ' || product_id",
        'account_plant': "logistics_unit || ' | ' || plant_id"
    }) }}
{%- endmacro %}


{% macro segmentation_grains() -%}
    {%- set known = all_segmentation_grains() -%}
    {%- set chosen = validated_var('segmentation_grains') -%}
    {%- if chosen is string -%}
        {%- do exceptions.raise_compiler_error(
            "var segmentation_grains must be a list, e.g. ['customer', 'product'], got the text '" ~ chosen ~ "'") -%}
    {%- endif -%}
    {%- for grain in chosen if grain not in known -%}
        {%- do exceptions.raise_compiler_error(
            "var segmentation_grains: unknown grain '" ~ grain ~ "'; use some of " ~ known.keys() | list | join(', ')) -%}
    {%- endfor -%}
    {%- set enabled = [] -%}
    {%- for grain in known if grain in chosen -%}
        {%- do enabled.append(grain) -%}
    {%- endfor -%}
    {{ return(enabled) }}
{%- endmacro %}


{% macro segment_entity_id(grain) -%}
    {%- set known = all_segmentation_grains() -%}
    {%- if grain not in known -%}
        {%- do exceptions.raise_compiler_error("segment_entity_id: unknown grain '" ~ grain ~ "'") -%}
    {%- endif -%}
    {{ return(known[grain]) }}
{%- endmacro %}


{#
    enabled_grains_query(): a select with one row per grain switched on by
    var segmentation_grains (column grain), and with with_entity_kinds=true the
    columns has_customer and has_product (grain_has_customer/_product). The
    singular tests that check a seed or model covers every enabled grain start
    from it.
#}
{% macro enabled_grains_query(with_entity_kinds=false) -%}
    {%- for grain in segmentation_grains() %}
        select
            '{{ grain }}' as grain
            {%- if with_entity_kinds %},
                {{ 'true' if grain_has_customer(grain) else 'false' }} as has_customer,
                {{ 'true' if grain_has_product(grain) else 'false' }} as has_product
            {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
