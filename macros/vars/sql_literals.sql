{#
    The only ways a var reaches SQL text.

    sql_text_var(name): the var, checked against its spec, as a quoted SQL string
      literal ('EUR'); quotes inside are doubled, so no value can end the literal.
    sql_number_var(name): the var, checked to be a finite number within its spec,
      rendered as a number (7, 0.25). Text such as 'abc' or '7 or true' never gets here.
    sql_string_literal(text): any text as a quoted SQL string literal.
#}
{% macro sql_string_literal(text) %}
    {{- return("'" ~ (text | string) | replace("'", "''") ~ "'") -}}
{% endmacro %}


{% macro sql_text_var(name) %}
    {%- set value = validated_var(name) -%}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return(sql_string_literal(value)) }}
{% endmacro %}


{% macro sql_number_var(name) %}
    {%- set value = validated_var(name) -%}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set rendered = value | string -%}
    {%- if value is boolean or value is not number
        or not modules.re.fullmatch('-?[0-9]+([.][0-9]+)?([eE][+-]?[0-9]+)?', rendered) -%}
        {%- do exceptions.raise_compiler_error(
            "Var " ~ name ~ " is not a number (" ~ var_show(value) ~ "); its spec in macros/vars/var_specs.sql"
            ~ " must be of type integer or number to render it with sql_number_var.") -%}
    {%- endif -%}
    {#- A negative number is bracketed so that "x -{{ n }}" can never become a comment (--). -#}
    {{ return('(' ~ rendered ~ ')' if rendered.startswith('-') else rendered) }}
{% endmacro %}

