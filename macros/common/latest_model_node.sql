{#
    latest_model_node(name) returns the graph node of model `name` that an
    unpinned ref('name') resolves to: its latest version when the model is
    versioned (docs/model_versions.md), the model itself otherwise. Used by
    the models that read the previous published state of a mart by relation
    (a ref would be a cycle): they need the relation readers see today.
#}
{% macro latest_model_node(name) %}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name and node.name == name -%}
            {%- if node.version is none or node.version | string == node.latest_version | string -%}
                {{ return(node) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}
