{#
    capability_models() maps each capability of fct_data_capabilities to the
    models that compute it, read from the graph: a model lists the
    capabilities it computes in meta computes_capabilities. Empty at parse time.
#}
{% macro capability_models() %}
    {%- set found = {} -%}
    {%- if not execute -%}
        {{ return(found) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name -%}
            {%- for capability in (node.config.meta or {}).get('computes_capabilities', []) -%}
                {%- do found.setdefault(capability, []).append(node.name) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}
