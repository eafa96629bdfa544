{#
    The completeness gates of this load (seed completeness_gates): for each
    gate its measured share, threshold and pass/fail. Measures are taken on the
    order lines of the analysis window (exact duplicates left out), placed in
    the months of the REPORTING calendar, at one of three scopes:
      load                  all lines of the window together;
      business_unit_period  every business unit and month on its own; the
                            worst one is the measured value;
      last_period           the last reporting month ending on or before
                            the reference date (int_reference_date).
    The measure share_of_rows_usable is taken on every input file as a whole
    (int_load_rows_counted) at two scopes:
      entity                every input entity on its own: rows not
                            quarantined / rows read; the worst entity counts;
      entity_reason         every entity and rejection reason on its own:
                            rows not quarantined for that reason / rows read;
                            the worst pair counts, so 40% unparseable
                            quantities stop the build naming order_lines and
                            unparseable.
    The generic test completeness_gate fails the build on a failed gate; see
    the doc block completeness_gates. A gate with nothing to measure says in
    its message which window was empty, the data's date range and how to set
    var reference_date.
#}
{%- set reference_date = 'reference.reference_date' -%}

with

gates as (
    select * from {{ ref('completeness_gates') }}
),

order_lines as (
    select * from {{ ref('int_order_lines_validated') }}
    where not is_exact_duplicate
),

reference as (
    select * from {{ ref('int_reference_date') }}
),

load_rows as (
    select * from {{ ref('int_load_rows_counted') }}
    where rows_read > 0
),

business_units as (
    select business_unit_id
    from {{ ref('int_business_units_conformed') }}
),

window_months as (
    select
        fiscal_periods.period_start_date,
        fiscal_periods.period_end_date
    from {{ ref('int_fiscal_periods') }} as fiscal_periods
    cross join reference
    where fiscal_periods.calendar_id = 'REPORTING'
        and fiscal_periods.period_type = 'month'
        and fiscal_periods.period_end_date <= {{ reference_date }}
        and fiscal_periods.period_start_date > {{ dbt.dateadd(
            'month', '-1 * ' ~ sql_number_var('analysis_window_months'), reference_date
        ) }}
),

last_month as (
    select max(period_start_date) as period_start_date
    from window_months
),

lines_in_window as (
    select
        order_lines.business_unit_id,
        window_months.period_start_date,
        order_lines.rejection_reason is null as is_usable,
        coalesce(
            order_lines.has_known_customer
            and order_lines.has_known_product
            and order_lines.unit_price_doc_ccy is not null,
            false
        ) as has_valid_customer_product_price,
        order_lines.fx_rate_to_reporting is not null as has_fx_rate,
        window_months.period_start_date = last_month.period_start_date as is_last_period
    from order_lines
    inner join window_months
        on order_lines.order_date between window_months.period_start_date and window_months.period_end_date
    cross join last_month
),

line_counts as (
    select
        business_unit_id,
        period_start_date,
        is_last_period,
        count(*) as line_count,
        count(case when has_valid_customer_product_price then 1 end) as valid_customer_product_price_count,
        count(case when has_fx_rate then 1 end) as fx_rate_count
    from lines_in_window
    group by business_unit_id, period_start_date, is_last_period
),

line_measures as (
    select
        'share_of_lines_with_valid_customer_product_price' as measure,
        business_unit_id,
        period_start_date,
        is_last_period,
        valid_customer_product_price_count as numerator,
        line_count as denominator
    from line_counts

    union all

    select
        'share_of_lines_with_fx_rate' as measure,
        business_unit_id,
        period_start_date,
        is_last_period,
        fx_rate_count as numerator,
        line_count as denominator
    from line_counts
),

business_unit_presence as (
    select
        business_units.business_unit_id,
        count(case when lines_in_window.is_usable then 1 end) > 0 as has_sales_in_window,
        count(case when lines_in_window.is_usable and lines_in_window.is_last_period then 1 end) > 0
            as has_sales_in_last_period
    from business_units
    left join lines_in_window
        on business_units.business_unit_id = lines_in_window.business_unit_id
    group by business_units.business_unit_id
),

entity_rows as (
    select
        'entity' as scope,
        entity || ' (' || coalesce(source_file, 'no file') || ')' as measured_at,
        rows_read - coalesce(rows_quarantined, 0) as numerator,
        rows_read as denominator
    from load_rows
    {%- for reason in contract_rejection_reasons() %}
        union all
        select
            'entity_reason' as scope,
            entity || ', reason {{ reason }}' as measured_at,
            rows_read - coalesce(rows_{{ reason }}, 0) as numerator,
            rows_read as denominator
        from load_rows
    {%- endfor %}
),

observations as (
    select
        'share_of_rows_usable' as measure,
        scope,
        measured_at,
        numerator,
        denominator,
        cast(null as {{ dbt.type_string() }}) as missing_members
    from entity_rows

    union all

    select
        measure,
        'business_unit_period' as scope,
        business_unit_id || ', month starting ' || cast(period_start_date as {{ dbt.type_string() }}) as measured_at,
        numerator,
        denominator,
        cast(null as {{ dbt.type_string() }}) as missing_members
    from line_measures

    union all

    select
        measure,
        'load' as scope,
        'analysis window' as measured_at,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        cast(null as {{ dbt.type_string() }}) as missing_members
    from line_measures
    group by measure

    union all

    select
        line_measures.measure,
        'last_period' as scope,
        'month starting ' || cast(last_month.period_start_date as {{ dbt.type_string() }}) as measured_at,
        sum(line_measures.numerator) as numerator,
        sum(line_measures.denominator) as denominator,
        cast(null as {{ dbt.type_string() }}) as missing_members
    from line_measures
    cross join last_month
    where line_measures.is_last_period
    group by line_measures.measure, last_month.period_start_date

    union all

    select
        'share_of_business_units_with_sales' as measure,
        'last_period' as scope,
        'month starting ' || cast(max(last_month.period_start_date) as {{ dbt.type_string() }}) as measured_at,
        count(case when business_unit_presence.has_sales_in_last_period then 1 end) as numerator,
        count(*) as denominator,
        string_agg(
            case
                when not business_unit_presence.has_sales_in_last_period then business_unit_presence.business_unit_id
            end,
            ', ' order by business_unit_presence.business_unit_id
        ) as missing_members
    from business_unit_presence
    cross join last_month

    union all

    select
        'share_of_business_units_with_sales' as measure,
        'load' as scope,
        'analysis window' as measured_at,
        count(case when has_sales_in_window then 1 end) as numerator,
        count(*) as denominator,
        string_agg(
            case when not has_sales_in_window then business_unit_id end, ', ' order by business_unit_id
        ) as missing_members
    from business_unit_presence
),

shares as (
    select
        measure,
        scope,
        measured_at,
        numerator,
        denominator,
        missing_members,
        cast(numerator as double) / nullif(denominator, 0) as measured_share
    from observations
),

ranked as (
    select
        measure,
        scope,
        measured_at,
        numerator,
        denominator,
        missing_members,
        measured_share,
        row_number() over (
            partition by measure, scope
            order by coalesce(measured_share, -1), measured_at
        ) as worst_first
    from shares
),

worst as (
    select * from ranked
    where worst_first = 1
),

load_level as (
    select
        measure,
        measured_share as load_share
    from shares
    where scope = 'load'
),

evaluated as (
    select
        gates.gate_id,
        gates.measure,
        gates.scope,
        gates.severity,
        gates.description,
        gates.min_share,
        worst.measured_share,
        worst.measured_at,
        worst.numerator as measured_count,
        worst.missing_members,
        load_level.load_share,
        coalesce(worst.denominator, 0) as measured_base_count,
        coalesce(worst.measured_share >= gates.min_share, false) as is_passed,
        case
            when worst.measured_share is null
                then '; nothing to measure: no usable order line in the analysis window ('
                    || {{ sql_number_var('analysis_window_months') }}
                    || ' months of whole reporting months ending on or before reference date '
                    || coalesce(cast(reference.reference_date as {{ dbt.type_string() }}), 'none')
                    || ', set by ' || reference.reference_date_source || ')'
                    || case
                        when reference.last_order_date is null then '; the load has no usable order line at all'
                        else '; the usable order lines run from '
                            || cast(reference.first_order_date as {{ dbt.type_string() }})
                            || ' to ' || cast(reference.last_order_date as {{ dbt.type_string() }})
                            || '. Set var reference_date to auto (the last order date) or to a date within'
                            || ' that range, e.g. --vars ''{reference_date: "'
                            || cast(reference.last_order_date as {{ dbt.type_string() }}) || '"}'''
                    end
        end as nothing_to_measure_hint
    from gates
    cross join reference
    left join worst
        on gates.measure = worst.measure
            and gates.scope = worst.scope
    left join load_level
        on gates.measure = load_level.measure
),

final as (
    select
        gate_id,
        measure,
        scope,
        severity,
        description,
        min_share,
        measured_share,
        measured_at,
        measured_count,
        measured_base_count,
        missing_members,
        load_share,
        is_passed,
        'completeness gate ' || gate_id
        || case when is_passed then ' passed' else ' FAILED' end
        || ': ' || measure || ' = '
        || coalesce(cast(round(measured_share, 4) as {{ dbt.type_string() }}), 'nothing to measure')
        || ' at ' || coalesce(measured_at, scope)
        || ' (' || coalesce(cast(measured_count as {{ dbt.type_string() }}), '0')
        || ' of ' || cast(measured_base_count as {{ dbt.type_string() }}) || ')'
        || coalesce('; missing: ' || missing_members, '')
        || ', minimum ' || cast(min_share as {{ dbt.type_string() }})
        || coalesce(nothing_to_measure_hint, '') as result_message
    from evaluated
)

select * from final
