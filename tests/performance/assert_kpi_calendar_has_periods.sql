{#
    var kpi_calendar_id must name a calendar of int_fiscal_periods (REPORTING
    or a business unit id) with month periods in the analysis window;
    otherwise every KPI would silently be empty. Returns one row naming the
    calendar when it has none.
#}
{{ config(severity='error') }}
with

periods as (
    select * from {{ ref('int_kpi_periods') }}
),

counted as (
    select count(*) as period_count
    from periods
)

select
    {{ sql_text_var('kpi_calendar_id') }} as kpi_calendar_id,
    'var kpi_calendar_id names no calendar with fiscal periods in the analysis window:'
    || ' use REPORTING or a business unit id' as failure_reason
from counted
where period_count = 0
