-- Distinct active users per ISO week (Monday to Sunday), and how many days had events.
select
    week_start,
    extract(isoyear from week_start)::integer as iso_year,
    extract(week from week_start)::integer as iso_week,
    count(distinct user_id) as active_users,
    count(distinct event_date) as days_covered
from analytics.user_daily_events
group by week_start
