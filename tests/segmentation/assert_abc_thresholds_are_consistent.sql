-- Seed abc_thresholds: per grain the limits rise with the class rank, lie in (0, 1],
-- and the last class reaches 1.0. Returns the offending rows.
with

thresholds as (
    select
        grain,
        abc_class,
        class_rank,
        cumulative_share_upper,
        lag(cumulative_share_upper) over (partition by grain order by class_rank) as previous_upper,
        max(class_rank) over (partition by grain) as last_rank
    from {{ ref('abc_thresholds') }}
)

select *
from thresholds
where cumulative_share_upper <= 0
    or cumulative_share_upper > 1
    or cumulative_share_upper <= previous_upper
    or (class_rank = last_rank and cumulative_share_upper < 1)
