-- One row per (day, user, corporation, active status): how many events that user had that
-- day under that corporation. Every other model reads this instead of the raw events.
-- week_start is the Monday of the day's ISO week, by date arithmetic (date_trunc would go
-- through timestamptz and the session time zone).
with events as (
    select
        event_date,
        user_id,
        user_corporate_id,
        coalesce(lower(user_corporate_status) = 'active', false) as corporate_status_active
    from public.user_events
)
select
    event_date,
    event_date - (extract(isodow from event_date)::integer - 1) as week_start,
    user_id,
    user_corporate_id,
    corporate_status_active,
    count(*) as events
from events
group by
    event_date,
    user_id,
    user_corporate_id,
    corporate_status_active
