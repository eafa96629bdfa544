-- fct_segment_change_notifications: every placeholder of the templates was
-- replaced (a typo such as {new_segmnt} in the seed would reach a customer
-- otherwise). Returns the messages with a brace left.
{{ config(severity='error') }}

select
    customer_segment_id,
    audience,
    template_id
from {{ ref('fct_segment_change_notifications') }}
where regexp_matches(subject || ' ' || message, '[{}]')
