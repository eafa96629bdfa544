{#
    fiscal_weeks_in_period(calendar_pattern, period_number): SQL expression giving the
    weeks of a fiscal period in a 52-week year (4 or 5) from the pattern's split of a
    quarter (fiscal_week_patterns); null for gregorian and unknown patterns. The 53rd
    week of a long year is added to period 12 by the caller.
#}
{% macro fiscal_weeks_in_period(calendar_pattern, period_number) -%}
    case {{ calendar_pattern }}
    {%- for pattern, weeks in fiscal_week_patterns().items() | sort %}
        when '{{ pattern }}' then case mod({{ period_number }} - 1, 3)
            when 0 then {{ weeks[0] }} when 1 then {{ weeks[1] }} else {{ weeks[2] }}
        end
    {%- endfor %}
    end
{%- endmacro %}
