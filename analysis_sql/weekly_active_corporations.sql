-- Distinct non-null corporations with events per ISO week; the second count keeps only
-- events whose corporation status was `active`. Every week with events has a row, with 0
-- when none of its events names a corporation.
select
    week_start,
    extract(isoyear from week_start)::integer as iso_year,
    extract(week from week_start)::integer as iso_week,
    count(distinct user_corporate_id) as active_corporations,
    count(distinct user_corporate_id) filter (where corporate_status_active)
        as active_status_corporations,
    count(distinct event_date) as days_covered
from analytics.user_daily_events
group by week_start
