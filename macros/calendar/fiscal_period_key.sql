{#
    fiscal_period_key(fiscal_year, marker, number): SQL expression for a readable
    period key, 'FY' || year || '-' || marker || two-digit number; marker 'P' for
    fiscal periods (FY2025-P03), 'W' for fiscal weeks (FY2025-W05).
#}
{% macro fiscal_period_key(fiscal_year, marker, number) -%}
    {{ dbt.concat([
        "'FY'",
        "cast(" ~ fiscal_year ~ " as " ~ dbt.type_string() ~ ")",
        "'-" ~ marker ~ "'",
        "lpad(cast(" ~ number ~ " as " ~ dbt.type_string() ~ "), 2, '0')"
    ]) }}
{%- endmacro %}
