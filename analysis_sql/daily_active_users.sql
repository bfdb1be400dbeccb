-- Distinct users with at least one event, per day.
select
    event_date,
    count(distinct user_id) as active_users
from analytics.user_daily_events
group by event_date
