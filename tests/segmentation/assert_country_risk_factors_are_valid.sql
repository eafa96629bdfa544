-- Seed country_risk_factors: both factors lie in [0, 1], codes are upper case, and the
-- default row '*' (used for countries without their own row) exists. Returns the offending rows.
with

factors as (
    select * from {{ ref('country_risk_factors') }}
),

out_of_range as (
    select
        country_code,
        'factor outside [0, 1] or country code not upper case' as problem
    from factors
    where import_complexity < 0
        or import_complexity > 1
        or regional_risk < 0
        or regional_risk > 1
        or country_code <> upper(country_code)
),

default_rows as (
    select count(*) as default_row_count
    from factors
    where country_code = '*'
),

missing_default as (
    select
        '*' as country_code,
        'no default row *' as problem
    from default_rows
    where default_row_count = 0
)

select * from out_of_range
union all
select * from missing_default
