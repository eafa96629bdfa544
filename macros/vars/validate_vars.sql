{#
    Checking vars against their spec (var_specs()).

    validate_vars(): on-run-start, before register_raw_inputs. Checks every var and
      stops the run before any model, seed or test runs, naming each bad var, its
      value and what is allowed.
    validated_var(name): the var's value, checked and normalised (a number for
      integer and number vars, true/false for booleans, a list for lists, 'auto' or
      an ISO date text for dates). Commands that run no hooks (compile, show, docs
      generate) get the same check here: a bad var stops compilation. While dbt
      parses the project (no SQL runs) a bad value is replaced by a harmless one of
      its type, so that validate_vars() reports all bad vars at once.
    var_check(name, value, spec): {ok, value, problem} for one value.
#}
{% macro validate_vars() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for name, spec in var_specs().items() -%}
        {%- set result = var_check(name, var(name, none), spec) -%}
        {%- if not result.ok -%}
            {%- do problems.append(result.problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {%- do exceptions.raise_compiler_error(
            "Invalid vars, nothing was run:\n  - " ~ problems | join("\n  - ")
            ~ "\nFix them in dbt_project.yml or in --vars (the specs are in macros/vars/var_specs.sql"
            ~ " and docs/configuration.md).") -%}
    {%- endif -%}
    {%- do log("Vars checked: " ~ var_specs() | length ~ " vars valid.", info=false) -%}
    {{ return('') }}
{% endmacro %}


{% macro validated_var(name) %}
    {%- set specs = var_specs() -%}
    {%- if name not in specs -%}
        {%- do exceptions.raise_compiler_error(
            "Var " ~ name ~ " has no spec in macros/vars/var_specs.sql; add one.") -%}
    {%- endif -%}
    {%- set spec = specs[name] -%}
    {%- set result = var_check(name, var(name, none), spec) -%}
    {%- if result.ok -%}
        {{ return(result.value) }}
    {%- elif execute -%}
        {%- do exceptions.raise_compiler_error("Invalid var: " ~ result.problem) -%}
    {%- else -%}
        {{ return(var_parse_placeholder(spec)) }}
    {%- endif -%}
{% endmacro %}


{% macro var_parse_placeholder(spec) %}
    {#- A value of the spec's type, used only while parsing when the var is bad. -#}
    {%- if spec.type in ['integer', 'number'] -%}
        {{ return(spec.get('min', spec.get('max', 1))) }}
    {%- elif spec.type == 'boolean' -%}
        {{ return(false) }}
    {%- elif spec.type == 'list' -%}
        {{ return(spec.get('allowed', [])) }}
    {%- elif spec.type == 'date' -%}
        {{ return('2000-01-01') }}
    {%- else -%}
        {{ return((spec.get('allowed') or ['x'])[0]) }}
    {%- endif -%}
{% endmacro %}


{% macro var_show(value) %}
    {#- The value as the user wrote it, quoted when text, cut at 120 characters. -#}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is string -%}
        {%- set text = value if value | length <= 120 else value[:120] ~ '...' -%}
        {{ return("'" ~ text ~ "'") }}
    {%- else -%}
        {{ return(value | string) }}
    {%- endif -%}
{% endmacro %}


{% macro var_allowed_text(spec) %}
    {#- What the spec allows, in words. -#}
    {%- set t = spec.type -%}
    {%- set parts = [] -%}
    {%- if t in ['integer', 'number'] -%}
        {%- set kind = 'a whole number' if t == 'integer' else 'a number' -%}
        {%- if 'min' in spec and 'max' in spec -%}
            {%- do parts.append(kind ~ ' from ' ~ spec.min ~ ' to ' ~ spec.max) -%}
        {%- elif 'above' in spec and 'max' in spec -%}
            {%- do parts.append(kind ~ ' above ' ~ spec.above ~ ' and at most ' ~ spec.max) -%}
        {%- elif 'above' in spec -%}
            {%- do parts.append(kind ~ ' above ' ~ spec.above) -%}
        {%- elif 'min' in spec -%}
            {%- do parts.append(kind ~ ' of at least ' ~ spec.min) -%}
        {%- else -%}
            {%- do parts.append(kind) -%}
        {%- endif -%}
    {%- elif t == 'boolean' -%}
        {%- do parts.append('true or false') -%}
    {%- elif t == 'date' -%}
        {%- do parts.append('an ISO date YYYY-MM-DD') -%}
        {%- for word in spec.get('words', []) -%}
            {%- do parts.append("'" ~ word ~ "'") -%}
        {%- endfor -%}
    {%- elif t == 'list' -%}
        {%- do parts.append('a non-empty list of ' ~ spec.allowed | join(', ')) -%}
    {%- elif 'allowed' in spec -%}
        {%- do parts.append('one of ' ~ spec.allowed | join(', ')) -%}
    {%- else -%}
        {%- do parts.append('text matching ' ~ spec.pattern) -%}
    {%- endif -%}
    {%- if spec.get('nullable') -%}
        {%- do parts.append('null') -%}
    {%- endif -%}
    {{ return(parts | join(', or ')) }}
{% endmacro %}


{% macro var_number(value) %}
    {#- value as a finite int/float, or none when it is not a plain number. -#}
    {%- if value is boolean or value is none -%}
        {{ return(none) }}
    {%- elif value is number -%}
        {%- set number = value -%}
    {%- elif value is string and modules.re.fullmatch('[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?', value | trim) -%}
        {%- set number = (value | trim) | float -%}
        {%- if modules.re.fullmatch('[+-]?[0-9]+', value | trim) -%}
            {%- set number = (value | trim) | int -%}
        {%- endif -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {#- NaN and infinities: x * 0 is not 0 for them. -#}
    {%- if number * 0 != 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(number) }}
{% endmacro %}


{% macro var_is_calendar_date(text) %}
    {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- if not match -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set year = match.group(1) | int -%}
    {%- set month = match.group(2) | int -%}
    {%- set day = match.group(3) | int -%}
    {%- set is_leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if is_leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(year >= 1900 and year <= 2999 and month >= 1 and month <= 12 and day >= 1
        and day <= month_days[month - 1]) }}
{% endmacro %}


{% macro var_check(name, value, spec) %}
    {%- set t = spec.type -%}
    {%- set bad = {'ok': false, 'value': none,
        'problem': name ~ " = " ~ var_show(value) ~ ": allowed is " ~ var_allowed_text(spec) ~ "."} -%}
    {%- if value is none -%}
        {{ return({'ok': true, 'value': none, 'problem': none} if spec.get('nullable') else bad) }}
    {%- endif -%}

    {%- if t in ['integer', 'number'] -%}
        {%- set number = var_number(value) -%}
        {%- if number is none -%}
            {{ return(bad) }}
        {%- endif -%}
        {%- if t == 'integer' -%}
            {%- if number != (number | int) -%}
                {{ return(bad) }}
            {%- endif -%}
            {%- set number = number | int -%}
        {%- endif -%}
        {%- if ('min' in spec and number < spec.min) or ('max' in spec and number > spec.max)
            or ('above' in spec and number <= spec.above) -%}
            {{ return(bad) }}
        {%- endif -%}
        {{ return({'ok': true, 'value': number, 'problem': none}) }}

    {%- elif t == 'boolean' -%}
        {%- if value is boolean -%}
            {{ return({'ok': true, 'value': value, 'problem': none}) }}
        {%- elif value is string and value | trim | lower in ['true', 'false'] -%}
            {{ return({'ok': true, 'value': value | trim | lower == 'true', 'problem': none}) }}
        {%- endif -%}
        {{ return(bad) }}

    {%- elif t == 'date' -%}
        {#- YAML turns an unquoted 2025-12-31 into a date; its text is the ISO date. -#}
        {%- set text = (value if value is string else value | string) | trim -%}
        {%- if value is boolean or value is number -%}
            {{ return(bad) }}
        {%- elif text | lower in spec.get('words', []) -%}
            {{ return({'ok': true, 'value': text | lower, 'problem': none}) }}
        {%- elif var_is_calendar_date(text) -%}
            {{ return({'ok': true, 'value': text, 'problem': none}) }}
        {%- endif -%}
        {{ return(bad) }}

    {%- elif t == 'list' -%}
        {%- if value is string or value is mapping or value is not iterable or value | length == 0 -%}
            {{ return(bad) }}
        {%- endif -%}
        {%- set items = [] -%}
        {%- for item in value -%}
            {%- if item is not string or item not in spec.allowed -%}
                {{ return({'ok': false, 'value': none,
                    'problem': name ~ " = " ~ var_show(value) ~ ": item " ~ var_show(item)
                    ~ " is not allowed; allowed is " ~ var_allowed_text(spec) ~ "."}) }}
            {%- endif -%}
            {%- do items.append(item) -%}
        {%- endfor -%}
        {{ return({'ok': true, 'value': items, 'problem': none}) }}

    {%- else -%}
        {#- text: numbers written unquoted in YAML (445) count as their text. -#}
        {%- if value is boolean or value is mapping or (value is iterable and value is not string) -%}
            {{ return(bad) }}
        {%- endif -%}
        {%- set text = value | string | trim -%}
        {%- if 'allowed' in spec and text not in spec.allowed | map('string') | list -%}
            {{ return(bad) }}
        {%- endif -%}
        {%- if 'pattern' in spec and not modules.re.fullmatch(spec.pattern, text) -%}
            {{ return(bad) }}
        {%- endif -%}
        {{ return({'ok': true, 'value': text, 'problem': none}) }}
    {%- endif -%}
{% endmacro %}
