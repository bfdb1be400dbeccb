-- weekly_active_corporations, the straightforward way: one GROUP BY over public.user_events.
select
    date_trunc('week', event_date::timestamp)::date as week_start,
    extract(isoyear from event_date)::integer as iso_year,
    extract(week from event_date)::integer as iso_week,
    count(distinct user_corporate_id) as active_corporations,
    count(distinct user_corporate_id) filter (where lower(user_corporate_status) = 'active')
        as active_status_corporations,
    count(distinct event_date) as days_covered
from public.user_events
group by 1, 2, 3
